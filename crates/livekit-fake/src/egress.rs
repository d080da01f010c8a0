//! `livekit.Egress`: egress that goes `EGRESS_STARTING` → `EGRESS_ACTIVE`, and on stop
//! `EGRESS_ENDING` → `EGRESS_COMPLETE` with results, emitting `egress_started`,
//! `egress_updated` (ACTIVE, ENDING) and `egress_ended` (COMPLETE, FAILED, ABORTED,
//! LIMIT_REACHED) as livekit-server's IO service does.

use std::sync::Arc;

use livekit_protocol as proto;
use proto::EgressStatus;
use proto::egress_info::Request;

use crate::App;
use crate::auth::Grants;
use crate::ids;
use crate::room_service::room_not_found;
use crate::state::{ControlError, State, unix_now_ns};
use crate::twirp::{TwirpError, run};
use crate::webhooks::event;

fn egress_not_found() -> TwirpError {
    TwirpError::not_found("egress does not exist")
}

/// Dispatches one Egress method; `None` if the fake does not implement it.
pub(crate) fn handle(
    app: &Arc<App>,
    grants: &Grants,
    method: &str,
    body: &[u8],
) -> Option<Result<Vec<u8>, TwirpError>> {
    Some(match method {
        "StartRoomCompositeEgress" => run(body, |r: proto::RoomCompositeEgressRequest| {
            let room = r.room_name.clone();
            start(app, grants, Request::RoomComposite(r), Some(&room))
        }),
        "StartWebEgress" => run(body, |r| start(app, grants, Request::Web(r), None)),
        "StartParticipantEgress" => run(body, |r: proto::ParticipantEgressRequest| {
            let room = r.room_name.clone();
            start(app, grants, Request::Participant(r), Some(&room))
        }),
        "StartTrackCompositeEgress" => run(body, |r: proto::TrackCompositeEgressRequest| {
            let room = r.room_name.clone();
            start(app, grants, Request::TrackComposite(r), Some(&room))
        }),
        "StartTrackEgress" => run(body, |r: proto::TrackEgressRequest| {
            let room = r.room_name.clone();
            start(app, grants, Request::Track(r), Some(&room))
        }),
        "ListEgress" => run(body, |r| list(app, grants, &r)),
        "StopEgress" => run(body, |r| stop(app, grants, &r)),
        _ => return None,
    })
}

fn start(
    app: &Arc<App>,
    grants: &Grants,
    request: Request,
    room_name: Option<&str>,
) -> Result<proto::EgressInfo, TwirpError> {
    grants.ensure_record()?;
    if !app.config.egress_enabled {
        return Err(TwirpError::internal(
            "egress not connected (redis required)",
        ));
    }
    let source_type = match request {
        Request::RoomComposite(_) | Request::Web(_) => proto::EgressSourceType::Web,
        _ => proto::EgressSourceType::Sdk,
    };
    let info = app.mutate(|state, events| {
        let room = match room_name {
            Some(name) if !name.is_empty() => {
                Some(state.room_proto(name).ok_or_else(room_not_found)?)
            }
            _ => None,
        };
        let info = proto::EgressInfo {
            egress_id: ids::new_id(ids::EGRESS),
            room_id: room.as_ref().map(|r| r.sid.clone()).unwrap_or_default(),
            room_name: room_name.unwrap_or_default().to_owned(),
            source_type: source_type as i32,
            status: EgressStatus::EgressStarting as i32,
            updated_at: unix_now_ns(),
            request: Some(request),
            ..Default::default()
        };
        state.egress.insert(info.egress_id.clone(), info.clone());
        events.push(egress_event("egress_started", &info));
        Ok::<_, TwirpError>(info)
    })?;
    if let Some(delay) = app.config.egress_transition_delay {
        let app = Arc::clone(app);
        let id = info.egress_id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            app.mutate(|state, events| {
                if status_of(state, &id) == Some(EgressStatus::EgressStarting) {
                    let _ = set_status(state, &id, EgressStatus::EgressActive, events);
                }
            });
        });
    }
    Ok(info)
}

fn list(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListEgressRequest,
) -> Result<proto::ListEgressResponse, TwirpError> {
    grants.ensure_record()?;
    if !app.config.egress_enabled {
        return Err(TwirpError::internal(
            "egress not connected (redis required)",
        ));
    }
    app.read(|state| {
        if !req.egress_id.is_empty() {
            let info = state
                .egress
                .get(&req.egress_id)
                .cloned()
                .ok_or_else(egress_not_found)?;
            return Ok(proto::ListEgressResponse {
                items: vec![info],
                next_page_token: None,
            });
        }
        let items = state
            .egress
            .values()
            .filter(|e| req.room_name.is_empty() || e.room_name == req.room_name)
            .filter(|e| !req.active || e.status < EgressStatus::EgressComplete as i32)
            .cloned()
            .collect();
        Ok(proto::ListEgressResponse {
            items,
            next_page_token: None,
        })
    })
}

fn stop(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::StopEgressRequest,
) -> Result<proto::EgressInfo, TwirpError> {
    grants.ensure_record()?;
    if !app.config.egress_enabled {
        return Err(TwirpError::internal(
            "egress not connected (redis required)",
        ));
    }
    let info = app.mutate(|state, events| {
        let status = status_of(state, &req.egress_id).ok_or_else(egress_not_found)?;
        if !matches!(
            status,
            EgressStatus::EgressStarting | EgressStatus::EgressActive
        ) {
            return Err(TwirpError::failed_precondition(format!(
                "egress with status {} cannot be stopped",
                status.as_str_name()
            )));
        }
        set_status(state, &req.egress_id, EgressStatus::EgressEnding, events)
            .map_err(|_| egress_not_found())
    })?;
    if let Some(delay) = app.config.egress_transition_delay {
        let app = Arc::clone(app);
        let id = info.egress_id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            app.mutate(|state, events| {
                if status_of(state, &id) == Some(EgressStatus::EgressEnding) {
                    let _ = set_status(state, &id, EgressStatus::EgressComplete, events);
                }
            });
        });
    }
    Ok(info)
}

fn status_of(state: &State, id: &str) -> Option<EgressStatus> {
    state
        .egress
        .get(id)
        .and_then(|e| EgressStatus::try_from(e.status).ok())
}

fn egress_event(name: &str, info: &proto::EgressInfo) -> proto::WebhookEvent {
    event(name)
        .egress(info.clone())
        .room(proto::Room {
            sid: info.room_id.clone(),
            name: info.room_name.clone(),
            ..Default::default()
        })
        .build()
}

/// Ends an active egress because its room went away: ENDING, then COMPLETE.
pub(crate) fn finish(state: &mut State, id: &str, events: &mut Vec<proto::WebhookEvent>) {
    if status_of(state, id) != Some(EgressStatus::EgressEnding) {
        let _ = set_status(state, id, EgressStatus::EgressEnding, events);
    }
    let _ = set_status(state, id, EgressStatus::EgressComplete, events);
}

/// Moves an egress to `status`, filling timestamps and results, and emits the webhook the IO
/// service would (`egress_updated` for ACTIVE/ENDING, `egress_ended` for the final states).
pub(crate) fn set_status(
    state: &mut State,
    id: &str,
    status: EgressStatus,
    events: &mut Vec<proto::WebhookEvent>,
) -> Result<proto::EgressInfo, ControlError> {
    let info = state
        .egress
        .get_mut(id)
        .ok_or_else(|| ControlError::EgressNotFound(id.to_owned()))?;
    let now = unix_now_ns();
    info.status = status as i32;
    info.updated_at = now;
    match status {
        EgressStatus::EgressActive => {
            info.started_at = now;
        }
        EgressStatus::EgressComplete
        | EgressStatus::EgressFailed
        | EgressStatus::EgressAborted
        | EgressStatus::EgressLimitReached => {
            if info.started_at == 0 {
                info.started_at = now;
            }
            info.ended_at = now;
            if status == EgressStatus::EgressComplete {
                fill_results(info);
            } else if info.error.is_empty() {
                let error = match status {
                    EgressStatus::EgressAborted => "egress aborted",
                    EgressStatus::EgressLimitReached => "egress limit reached",
                    _ => "egress failed",
                };
                error.clone_into(&mut info.error);
            }
        }
        EgressStatus::EgressStarting | EgressStatus::EgressEnding => {}
    }
    let info = info.clone();
    let name = match status {
        EgressStatus::EgressStarting => None,
        EgressStatus::EgressActive | EgressStatus::EgressEnding => Some("egress_updated"),
        _ => Some("egress_ended"),
    };
    if let Some(name) = name {
        events.push(egress_event(name, &info));
    }
    Ok(info)
}

/// What an egress request asked to produce.
#[derive(Default)]
struct Outputs {
    files: Vec<(String, i32)>,
    streams: Vec<String>,
    segments: Vec<String>,
}

#[allow(deprecated)]
fn outputs(request: Option<&Request>) -> Outputs {
    use proto::{room_composite_egress_request as rc, track_composite_egress_request as tc};
    use proto::{track_egress_request as te, web_egress_request as we};
    let mut out = Outputs::default();
    let mut add = |files: &[proto::EncodedFileOutput],
                   streams: &[proto::StreamOutput],
                   segments: &[proto::SegmentedFileOutput]| {
        out.files
            .extend(files.iter().map(|f| (f.filepath.clone(), f.file_type)));
        out.streams
            .extend(streams.iter().flat_map(|s| s.urls.clone()));
        out.segments
            .extend(segments.iter().map(|s| s.playlist_name.clone()));
    };
    match request {
        Some(Request::RoomComposite(r)) => {
            add(&r.file_outputs, &r.stream_outputs, &r.segment_outputs);
            match &r.output {
                Some(rc::Output::File(f)) => add(std::slice::from_ref(f), &[], &[]),
                Some(rc::Output::Stream(s)) => add(&[], std::slice::from_ref(s), &[]),
                Some(rc::Output::Segments(s)) => add(&[], &[], std::slice::from_ref(s)),
                None => {}
            }
        }
        Some(Request::Web(r)) => {
            add(&r.file_outputs, &r.stream_outputs, &r.segment_outputs);
            match &r.output {
                Some(we::Output::File(f)) => add(std::slice::from_ref(f), &[], &[]),
                Some(we::Output::Stream(s)) => add(&[], std::slice::from_ref(s), &[]),
                Some(we::Output::Segments(s)) => add(&[], &[], std::slice::from_ref(s)),
                None => {}
            }
        }
        Some(Request::Participant(r)) => {
            add(&r.file_outputs, &r.stream_outputs, &r.segment_outputs);
        }
        Some(Request::TrackComposite(r)) => {
            add(&r.file_outputs, &r.stream_outputs, &r.segment_outputs);
            match &r.output {
                Some(tc::Output::File(f)) => add(std::slice::from_ref(f), &[], &[]),
                Some(tc::Output::Stream(s)) => add(&[], std::slice::from_ref(s), &[]),
                Some(tc::Output::Segments(s)) => add(&[], &[], std::slice::from_ref(s)),
                None => {}
            }
        }
        Some(Request::Track(r)) => {
            if let Some(te::Output::File(f)) = &r.output {
                out.files.push((f.filepath.clone(), 0));
            }
        }
        _ => {}
    }
    out
}

fn fill_results(info: &mut proto::EgressInfo) {
    let outputs = outputs(info.request.as_ref());
    let audio_only = matches!(&info.request, Some(Request::RoomComposite(r)) if r.audio_only);
    let duration = info.ended_at - info.started_at;
    let time = info.started_at / 1_000_000_000;
    let expand = |path: &str| {
        path.replace("{room_name}", &info.room_name)
            .replace("{room_id}", &info.room_id)
            .replace("{time}", &time.to_string())
    };
    info.file_results = outputs
        .files
        .iter()
        .map(|(path, file_type)| {
            let extension = match proto::EncodedFileType::try_from(*file_type) {
                Ok(proto::EncodedFileType::Ogg) => "ogg",
                Ok(proto::EncodedFileType::Mp4) => "mp4",
                _ if audio_only => "ogg",
                _ => "mp4",
            };
            let mut filename = if path.is_empty() {
                format!("{}-{time}", info.room_name)
            } else {
                expand(path)
            };
            if std::path::Path::new(&filename).extension().is_none() {
                filename = format!("{filename}.{extension}");
            }
            proto::FileInfo {
                location: filename.clone(),
                filename,
                started_at: info.started_at,
                ended_at: info.ended_at,
                duration,
                size: 1_048_576,
            }
        })
        .collect();
    info.stream_results = outputs
        .streams
        .iter()
        .map(|url| proto::StreamInfo {
            url: url.clone(),
            started_at: info.started_at,
            ended_at: info.ended_at,
            duration,
            status: proto::stream_info::Status::Finished as i32,
            ..Default::default()
        })
        .collect();
    info.segment_results = outputs
        .segments
        .iter()
        .map(|playlist| proto::SegmentsInfo {
            playlist_name: expand(playlist),
            playlist_location: expand(playlist),
            duration,
            size: 1_048_576,
            segment_count: 1,
            started_at: info.started_at,
            ended_at: info.ended_at,
            ..Default::default()
        })
        .collect();
}

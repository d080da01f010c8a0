//! `anteroom.v1.RecordingService` over the recording use cases. The recording abilities
//! (retrieve, destroy) are the authorization rule of reads and deletions; starting and
//! stopping need an administrator or owner role on the room. Both rules live in the domain.

use std::sync::Arc;

use anteroom_domain::id::RecordingId;
use anteroom_domain::page::{PageRequest, PageSize};
use anteroom_domain::recording::{
    RecordingMode, RecordingOptions, RecordingStatus, RecordingView, StartRecording,
};
use anteroom_domain::room::RoomRef;
use anteroom_domain::{Error, Invalid, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::recording_service_server::RecordingService;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tonic::{Request, Response, Status};

use crate::caller::caller_of;
use crate::convert::{access_level_to_pb, bounded, role_to_pb, timestamp};
use crate::status::status_from;

/// The longest room reference (id, slug or name) accepted.
const MAX_REFERENCE_BYTES: usize = 2048;
/// The longest `language` option accepted.
const MAX_LANGUAGE_BYTES: usize = 64;

/// The recording service.
pub(crate) struct RecordingApi {
    use_cases: Arc<UseCases>,
}

impl RecordingApi {
    pub(crate) fn new(use_cases: Arc<UseCases>) -> Self {
        Self { use_cases }
    }
}

/// Reads a mode; `UNSPECIFIED` is `None`.
fn mode_from_pb(raw: i32) -> Result<Option<RecordingMode>, Invalid> {
    match pb::RecordingMode::try_from(raw) {
        Ok(pb::RecordingMode::Unspecified) => Ok(None),
        Ok(pb::RecordingMode::ScreenRecording) => Ok(Some(RecordingMode::ScreenRecording)),
        Ok(pb::RecordingMode::Transcript) => Ok(Some(RecordingMode::Transcript)),
        Err(_) => Err(Invalid::new(format!("{raw} is not a recording mode"))),
    }
}

fn mode_to_pb(mode: RecordingMode) -> pb::RecordingMode {
    match mode {
        RecordingMode::ScreenRecording => pb::RecordingMode::ScreenRecording,
        RecordingMode::Transcript => pb::RecordingMode::Transcript,
    }
}

fn status_to_pb(status: RecordingStatus) -> pb::RecordingStatus {
    match status {
        RecordingStatus::Initiated => pb::RecordingStatus::Initiated,
        RecordingStatus::Active => pb::RecordingStatus::Active,
        RecordingStatus::Stopped => pb::RecordingStatus::Stopped,
        RecordingStatus::Saved => pb::RecordingStatus::Saved,
        RecordingStatus::Aborted => pb::RecordingStatus::Aborted,
        RecordingStatus::FailedToStart => pb::RecordingStatus::FailedToStart,
        RecordingStatus::FailedToStop => pb::RecordingStatus::FailedToStop,
        RecordingStatus::NotificationSucceeded => pb::RecordingStatus::NotificationSucceeded,
        RecordingStatus::ExternalProcessSuccessful => {
            pb::RecordingStatus::ExternalProcessSuccessful
        }
        RecordingStatus::ExternalProcessFailed => pb::RecordingStatus::ExternalProcessFailed,
    }
}

fn options_from_pb(options: Option<pb::RecordingOptions>) -> Result<RecordingOptions, Error> {
    let Some(options) = options else {
        return Ok(RecordingOptions::default());
    };
    if let Some(language) = &options.language
        && language.len() > MAX_LANGUAGE_BYTES
    {
        return Err(Error::invalid(
            "options.language",
            format!("must be at most {MAX_LANGUAGE_BYTES} bytes"),
        ));
    }
    Ok(RecordingOptions {
        language: options.language,
        transcribe: options.transcribe,
        collect_metadata: options.collect_metadata,
        original_mode: mode_from_pb(options.original_mode)
            .map_err(|e| e.at("options.original_mode"))?,
    })
}

fn options_to_pb(options: &RecordingOptions) -> pb::RecordingOptions {
    pb::RecordingOptions {
        language: options.language.clone(),
        transcribe: options.transcribe,
        collect_metadata: options.collect_metadata,
        original_mode: options
            .original_mode
            .map_or(pb::RecordingMode::Unspecified, mode_to_pb) as i32,
    }
}

fn start_request(request: &pb::StartRecordingRequest) -> Result<StartRecording, Error> {
    let mode = mode_from_pb(request.mode)
        .map_err(|e| e.at("mode"))?
        .ok_or_else(|| Error::invalid("mode", "is required"))?;
    Ok(StartRecording {
        mode,
        options: options_from_pb(request.options.clone())?,
    })
}

pub(crate) fn recording_to_pb(view: &RecordingView) -> pb::Recording {
    let recording = &view.recording;
    pb::Recording {
        id: recording.id.to_string(),
        room: Some(pb::RecordingRoom {
            id: view.room.id.to_string(),
            name: view.room.name.as_str().to_owned(),
            slug: view.room.slug.as_str().to_owned(),
            access_level: access_level_to_pb(view.room.access_level) as i32,
        }),
        status: status_to_pb(recording.status) as i32,
        mode: mode_to_pb(recording.mode) as i32,
        options: Some(options_to_pb(&recording.options)),
        key: view.key.clone(),
        egress_id: recording.worker_id.clone().unwrap_or_default(),
        create_time: Some(timestamp(recording.created_at)),
        update_time: Some(timestamp(recording.updated_at)),
        expire_time: view.expires_at.map(timestamp),
        expired: view.is_expired,
        caller_role: role_to_pb(view.caller_role) as i32,
        abilities: Some(pb::RecordingAbilities {
            retrieve: view.abilities.retrieve,
            destroy: view.abilities.destroy,
            stop: view.abilities.stop,
            update: view.abilities.update,
            partial_update: view.abilities.partial_update,
        }),
    }
}

/// Reads a recordings page request (the token is the last id of the previous page).
fn recordings_page(page_size: i32, token: &str) -> Result<PageRequest<RecordingId>, Error> {
    let invalid = || Invalid::new("is not a token this server issued").at("page_token");
    let after = if token.is_empty() {
        None
    } else {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        Some(text.parse::<RecordingId>().map_err(|_| invalid())?)
    };
    Ok(PageRequest {
        size: PageSize::from_request(page_size).map_err(|e| e.at("page_size"))?,
        after,
    })
}

/// Writes the token of the next recordings page.
fn recordings_token(next: Option<RecordingId>) -> String {
    next.map(|id| URL_SAFE_NO_PAD.encode(id.to_string()))
        .unwrap_or_default()
}

fn recording_id(raw: &str) -> Result<RecordingId, Error> {
    raw.parse::<RecordingId>().map_err(|e| e.at("id"))
}

#[tonic::async_trait]
impl RecordingService for RecordingApi {
    async fn start_recording(
        &self,
        request: Request<pb::StartRecordingRequest>,
    ) -> Result<Response<pb::StartRecordingResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = bounded(&request.room, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let start = start_request(&request).map_err(status_from)?;
        let view = self
            .use_cases
            .recordings
            .start(&caller, &RoomRef::parse(room), start)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::StartRecordingResponse {
            recording: Some(recording_to_pb(&view)),
        }))
    }

    async fn stop_recording(
        &self,
        request: Request<pb::StopRecordingRequest>,
    ) -> Result<Response<pb::StopRecordingResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = bounded(&request.room, "room", MAX_REFERENCE_BYTES).map_err(status_from)?;
        let view = self
            .use_cases
            .recordings
            .stop(&caller, &RoomRef::parse(room))
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::StopRecordingResponse {
            recording: Some(recording_to_pb(&view)),
        }))
    }

    async fn list_recordings(
        &self,
        request: Request<pb::ListRecordingsRequest>,
    ) -> Result<Response<pb::ListRecordingsResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let page = recordings_page(request.page_size, &request.page_token).map_err(status_from)?;
        let listed = self
            .use_cases
            .recordings
            .list(&caller, &page)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::ListRecordingsResponse {
            recordings: listed.items.iter().map(recording_to_pb).collect(),
            next_page_token: recordings_token(listed.next),
        }))
    }

    async fn get_recording(
        &self,
        request: Request<pb::GetRecordingRequest>,
    ) -> Result<Response<pb::GetRecordingResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let id = recording_id(&request.into_inner().id).map_err(status_from)?;
        let view = self
            .use_cases
            .recordings
            .get(&caller, id)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::GetRecordingResponse {
            recording: Some(recording_to_pb(&view)),
        }))
    }

    async fn delete_recording(
        &self,
        request: Request<pb::DeleteRecordingRequest>,
    ) -> Result<Response<pb::DeleteRecordingResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let id = recording_id(&request.into_inner().id).map_err(status_from)?;
        self.use_cases
            .recordings
            .delete(&caller, id)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::DeleteRecordingResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_requests_need_a_mode_and_valid_options() {
        let missing = start_request(&pb::StartRecordingRequest {
            room: "r".to_owned(),
            mode: 0,
            options: None,
        });
        assert!(matches!(missing, Err(Error::Invalid(v)) if v[0].field == "mode"));
        let unknown = start_request(&pb::StartRecordingRequest {
            room: "r".to_owned(),
            mode: 42,
            options: None,
        });
        assert!(matches!(unknown, Err(Error::Invalid(v)) if v[0].field == "mode"));
        let bad_original = start_request(&pb::StartRecordingRequest {
            room: "r".to_owned(),
            mode: pb::RecordingMode::Transcript as i32,
            options: Some(pb::RecordingOptions {
                original_mode: 9,
                ..pb::RecordingOptions::default()
            }),
        });
        assert!(
            matches!(bad_original, Err(Error::Invalid(v)) if v[0].field == "options.original_mode")
        );
        let ok = start_request(&pb::StartRecordingRequest {
            room: "r".to_owned(),
            mode: pb::RecordingMode::ScreenRecording as i32,
            options: Some(pb::RecordingOptions {
                language: Some("fr".to_owned()),
                transcribe: Some(true),
                collect_metadata: None,
                original_mode: pb::RecordingMode::Transcript as i32,
            }),
        })
        .unwrap();
        assert_eq!(ok.mode, RecordingMode::ScreenRecording);
        assert_eq!(ok.options.original_mode, Some(RecordingMode::Transcript));
        assert_eq!(options_to_pb(&ok.options).language.as_deref(), Some("fr"));
    }

    #[test]
    fn every_status_has_its_wire_value() {
        let mut seen = std::collections::BTreeSet::new();
        for status in RecordingStatus::ALL {
            let wire = status_to_pb(status);
            assert_ne!(wire, pb::RecordingStatus::Unspecified);
            assert!(seen.insert(wire as i32), "{status} shares a value");
        }
    }

    #[test]
    fn page_tokens_round_trip_and_foreign_ones_are_refused() {
        let id = RecordingId::new();
        let page = recordings_page(3, &recordings_token(Some(id))).unwrap();
        assert_eq!(page.after, Some(id));
        assert_eq!(page.size.get(), 3);
        assert_eq!(recordings_token(None), "");
        for (size, token, field) in [
            (0, "%%", "page_token"),
            (0, "YWJj", "page_token"),
            (-1, "", "page_size"),
        ] {
            match recordings_page(size, token) {
                Err(Error::Invalid(v)) => assert_eq!(v[0].field, field),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(matches!(recording_id("nope"), Err(Error::Invalid(v)) if v[0].field == "id"));
    }
}

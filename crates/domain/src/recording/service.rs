//! The recording use cases: start and stop a room's recording, list, read and delete
//! recordings, finalise them when their file is stored (egress webhook or storage event),
//! take the summary service's results, and authorise downloads.
//!
//! Every status change goes through [`RecordingRepository::transition`], a compare-and-set,
//! after the machine ([`RecordingStatus::can_become`]) allowed it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::abilities::{hidden_or_denied, not_found};
use super::storage::{file_of_download_url, file_of_key, is_recording_content_type};
use super::{
    Notification, NotificationFailure, NotificationTarget, ObjectSigner, OwnerEmail, Recording,
    RecordingAbilities, RecordingAccess, RecordingMode, RecordingNotifier, RecordingOptions,
    RecordingRepository, RecordingStatus, SignedRequest, StorageEvent, SummaryRequest, abilities,
};
use crate::access::{AccessRepository, Role};
use crate::clock::Clock;
use crate::id::{RecordingAccessId, RecordingId, RoomId};
use crate::media::{
    DataMessage, EgressInfo, EgressRequest, EgressStatus, MediaServer, RecordingEgress,
};
use crate::page::{Page, PageRequest};
use crate::policy::{RoomAction, authorize};
use crate::room::{Room, RoomRef, RoomRepository};
use crate::user::{User, UserRepository};
use crate::{Caller, Error};

/// The room metadata key that tells clients what is recorded.
pub const METADATA_MODE: &str = "recording_mode";
/// The room metadata key that tells clients where the recording is.
pub const METADATA_STATUS: &str = "recording_status";

/// Deployment choices about recordings.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordingSettings {
    /// Whether rooms may be recorded (start/stop answer "Not found." otherwise).
    pub enabled: bool,
    /// The object key prefix of recording files.
    pub output_folder: String,
    /// The bucket the egress writes to and storage events must come from.
    pub bucket: String,
    /// Whether the storage hook finalises recordings (then `egress_ended` does not).
    pub storage_events_enabled: bool,
    /// The bearer token the storage hook requires (unset: every call is refused).
    pub storage_events_token: Option<String>,
    /// The bearer token the summary service's callback presents (unset: every call is
    /// refused).
    pub summary_callback_token: Option<String>,
    /// After how many days recordings expire (unset: never).
    pub expiration_days: Option<u32>,
    /// Where users download recordings: `<base>/<recording id>` (unset: no link is sent).
    pub download_base_url: Option<String>,
}

impl Default for RecordingSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            output_folder: "recordings".to_owned(),
            bucket: "anteroom-recordings".to_owned(),
            storage_events_enabled: false,
            storage_events_token: None,
            summary_callback_token: None,
            expiration_days: None,
            download_base_url: None,
        }
    }
}

impl fmt::Debug for RecordingSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |token: &Option<String>| token.as_ref().map(|_| "<redacted>");
        f.debug_struct("RecordingSettings")
            .field("enabled", &self.enabled)
            .field("output_folder", &self.output_folder)
            .field("bucket", &self.bucket)
            .field("storage_events_enabled", &self.storage_events_enabled)
            .field(
                "storage_events_token",
                &redacted(&self.storage_events_token),
            )
            .field(
                "summary_callback_token",
                &redacted(&self.summary_callback_token),
            )
            .field("expiration_days", &self.expiration_days)
            .field("download_base_url", &self.download_base_url)
            .finish()
    }
}

/// The ports the recording use cases run on.
#[derive(Clone)]
pub struct RecordingPorts {
    /// Recordings and their accesses.
    pub recordings: Arc<dyn RecordingRepository>,
    /// Rooms.
    pub rooms: Arc<dyn RoomRepository>,
    /// Room accesses (who may start and stop).
    pub accesses: Arc<dyn AccessRepository>,
    /// Users (the owners to notify).
    pub users: Arc<dyn UserRepository>,
    /// The media server's egress.
    pub egress: Arc<dyn RecordingEgress>,
    /// The media server's rooms (metadata, data messages).
    pub media: Arc<dyn MediaServer>,
    /// Notifications of stored recordings.
    pub notifier: Arc<dyn RecordingNotifier>,
    /// Download signatures.
    pub signer: Arc<dyn ObjectSigner>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// What a caller asks to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRecording {
    /// Video or audio only.
    pub mode: RecordingMode,
    /// The options.
    pub options: RecordingOptions,
}

/// A recording as one caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingView {
    /// The recording.
    pub recording: Recording,
    /// Its room.
    pub room: Room,
    /// The caller's role on the recording.
    pub caller_role: Option<Role>,
    /// What the caller may do to it.
    pub abilities: RecordingAbilities,
    /// The object key of its file.
    pub key: String,
    /// When it expires, when recordings expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has expired.
    pub is_expired: bool,
}

/// A finalised recording and the notifications that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalised {
    /// The recording, `notification_succeeded` or `saved` (or later, when the summary service
    /// was quicker).
    pub recording: Recording,
    /// What could not be notified (empty when every notification succeeded).
    pub failures: Vec<NotificationFailure>,
}

/// What became of a storage event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageEventOutcome {
    /// Not a recording file (its content type or its key); nothing was done.
    Ignored(String),
    /// The recording was finalised.
    Finalised(Finalised),
}

/// How the summary service names a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalProcessRef {
    /// By recording id.
    Recording(RecordingId),
    /// By the job id it answered.
    Job(String),
}

/// What the summary service reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalProcessResult {
    /// The job succeeded.
    Succeeded,
    /// The job failed.
    Failed,
}

/// What became of a summary service result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalProcessOutcome {
    /// The recording moved to `external_process_successful` or `_failed`.
    Applied(Recording),
    /// The recording was already in that status (a repeated callback).
    AlreadyApplied(Recording),
    /// No recording has this id or job id; nothing was done.
    Unknown,
}

/// The recording use cases.
#[derive(Clone)]
pub struct RecordingService {
    ports: RecordingPorts,
    settings: Arc<RecordingSettings>,
}

/// Compares two secrets without stopping at the first difference.
fn same_secret(expected: &[u8], presented: &[u8]) -> bool {
    expected.len() == presented.len()
        && expected
            .iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Checks a machine caller's bearer token.
///
/// # Errors
///
/// [`Error::Unauthenticated`] when no token is configured, none is presented, or they differ.
fn check_token(expected: Option<&str>, presented: Option<&str>) -> Result<(), Error> {
    match (expected, presented) {
        (Some(expected), Some(presented))
            if !expected.is_empty() && same_secret(expected.as_bytes(), presented.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(Error::Unauthenticated(
            "Invalid or missing token.".to_owned(),
        )),
    }
}

/// The refusal of a recording that cannot be finalised.
fn not_savable(id: RecordingId) -> Error {
    Error::PermissionDenied(format!(
        "Recording {id} cannot be saved because it is either, in an error state or has already been saved."
    ))
}

/// The primary subtag of a language code (`fr-fr` → `fr`).
fn primary_subtag(code: &str) -> String {
    code.split(['-', '_']).next().unwrap_or(code).to_owned()
}

impl RecordingService {
    /// Builds the service over its ports.
    pub fn new(ports: RecordingPorts, settings: RecordingSettings) -> Self {
        Self {
            ports,
            settings: Arc::new(settings),
        }
    }

    /// The deployment's recording settings.
    pub fn settings(&self) -> &RecordingSettings {
        &self.settings
    }

    fn require_enabled(&self) -> Result<(), Error> {
        if self.settings.enabled {
            Ok(())
        } else {
            Err(Error::NotFound("Not found.".to_owned()))
        }
    }

    /// Moves `recording` to `to` if the machine allows it (compare-and-set on its current
    /// status).
    async fn move_to(
        &self,
        recording: &Recording,
        to: RecordingStatus,
        worker_id: Option<String>,
    ) -> Result<Recording, Error> {
        if !recording.status.can_become(to) {
            tracing::warn!(
                recording_id = %recording.id,
                from = %recording.status,
                to = %to,
                "refused recording transition"
            );
            return Err(Error::FailedPrecondition(format!(
                "A recording cannot go from {} to {to}.",
                recording.status
            )));
        }
        let moved = self
            .ports
            .recordings
            .transition(
                recording.id,
                recording.status,
                to,
                worker_id,
                self.ports.clock.now(),
            )
            .await?;
        tracing::info!(recording_id = %recording.id, from = %recording.status, to = %to, "recording status changed");
        Ok(moved)
    }

    /// [`Self::move_to`], tolerating that a concurrent change already reached `to`.
    async fn move_to_or_current(
        &self,
        recording: &Recording,
        to: RecordingStatus,
    ) -> Result<Recording, Error> {
        match self.move_to(recording, to, None).await {
            Err(Error::FailedPrecondition(message)) => {
                let current = self.ports.recordings.get(recording.id).await?;
                if current.status == to {
                    Ok(current)
                } else {
                    Err(Error::FailedPrecondition(message))
                }
            }
            other => other,
        }
    }

    /// Marks a recording whose egress did not start `failed_to_start` (which frees the room);
    /// a failure is logged (the caller already gets an error).
    async fn fail_start(&self, recording: &Recording) {
        if let Err(error) = self
            .move_to(recording, RecordingStatus::FailedToStart, None)
            .await
        {
            tracing::error!(recording_id = %recording.id, error = %error, "recording not marked failed_to_start");
        }
    }

    /// Writes into the live room's metadata; a room that is not live or a LiveKit error is
    /// logged only.
    async fn set_room_metadata(
        &self,
        room: RoomId,
        set: serde_json::Map<String, Value>,
        remove: Vec<String>,
    ) {
        match self
            .ports
            .media
            .merge_room_metadata(&room.to_string(), set, remove)
            .await
        {
            Ok(()) => tracing::debug!(room_id = %room, "recording metadata written"),
            Err(Error::NotFound(_)) => tracing::debug!(room_id = %room, "room not live"),
            Err(error) => {
                tracing::warn!(room_id = %room, error = %error, "recording metadata not written");
            }
        }
    }

    /// The room and the caller's role on it, checked against recording rights.
    async fn recordable_room(&self, caller: &Caller, room: &RoomRef) -> Result<Room, Error> {
        let user = caller.require_user()?;
        self.require_enabled()?;
        let room = room.resolve(self.ports.rooms.as_ref()).await?;
        let role = self.ports.accesses.role_of(room.id, user.id).await?;
        authorize(RoomAction::Record, true, role)?;
        Ok(room)
    }

    /// Starts recording a room: the caller becomes the recording's owner (the answer is the
    /// recording as its owner sees it).
    ///
    /// The recording and its owner access are created in one repository call (at most one
    /// initiated-or-active recording per room, enforced by the store), then the egress is
    /// started outside it; on success the recording is `active` and the live room's metadata
    /// carries `recording_mode` and `recording_status: "starting"` (best effort).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] ("Not found.") when recordings are
    /// disabled, or for an unknown room; [`Error::PermissionDenied`] for callers who are not
    /// administrator or owner of the room; [`Error::Conflict`] ("A recording is already in
    /// progress for room `<slug>`") when the room is being recorded; [`Error::Upstream`]
    /// ("Recording failed to start for room `<slug>`", REST 502) when the egress does not
    /// start — the recording is then `failed_to_start` and the room free;
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(mode = request.mode.as_str()))]
    pub async fn start(
        &self,
        caller: &Caller,
        room: &RoomRef,
        request: StartRecording,
    ) -> Result<RecordingView, Error> {
        let room = self.recordable_room(caller, room).await?;
        let user = caller.require_user()?;
        let now = self.ports.clock.now();
        let recording = Recording {
            id: RecordingId::new(),
            room: room.id,
            status: RecordingStatus::Initiated,
            mode: request.mode,
            worker_id: None,
            options: request.options,
            external_process_id: None,
            created_at: now,
            updated_at: now,
        };
        let owner = RecordingAccess {
            id: RecordingAccessId::new(),
            recording: recording.id,
            user: user.id,
            role: Role::Owner,
            created_at: now,
        };
        let slug = room.slug.as_str();
        match self.ports.recordings.create(&recording, &owner).await {
            Ok(()) => {}
            Err(Error::Conflict(_)) => {
                return Err(Error::Conflict(format!(
                    "A recording is already in progress for room {slug}"
                )));
            }
            Err(other) => return Err(other),
        }
        let egress = EgressRequest {
            room: room.livekit_name(),
            mode: recording.mode,
            file_key: recording.key(&self.settings.output_folder),
        };
        let started = match self.ports.egress.start(egress).await {
            Ok(info) => info,
            Err(cause) => {
                tracing::warn!(recording_id = %recording.id, error = %cause, "egress did not start");
                self.fail_start(&recording).await;
                return Err(Error::upstream(
                    format!("Recording failed to start for room {slug}"),
                    cause,
                ));
            }
        };
        let active = match self
            .move_to(
                &recording,
                RecordingStatus::Active,
                Some(started.egress_id.clone()),
            )
            .await
        {
            Ok(active) => active,
            Err(error) => {
                // The egress runs but the recording cannot say so: stop it, free the room.
                if let Err(stop) = self.ports.egress.stop(&started.egress_id).await {
                    tracing::error!(egress_id = %started.egress_id, error = %stop, "orphan egress not stopped");
                }
                self.fail_start(&recording).await;
                return Err(error);
            }
        };
        let mut set = serde_json::Map::new();
        let shown_mode = active.options.original_mode.unwrap_or(active.mode);
        set.insert(
            METADATA_MODE.to_owned(),
            Value::String(shown_mode.as_str().to_owned()),
        );
        set.insert(
            METADATA_STATUS.to_owned(),
            Value::String("starting".to_owned()),
        );
        self.set_room_metadata(room.id, set, Vec::new()).await;
        tracing::info!(recording_id = %active.id, room_id = %room.id, "recording started");
        Ok(self.view(active, room, Some(Role::Owner)))
    }

    /// Stops the room's active recording: `stopped` when the egress ends normally
    /// (ENDING), `aborted` when it was aborted, `failed_to_stop` otherwise. The answer is the
    /// recording as the caller sees it (its role on the recording may be none: room hosts
    /// stop recordings they did not start).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] ("Not found.") when recordings are
    /// disabled, for an unknown room, or ("No active recording found for this room.") when
    /// none is active; [`Error::PermissionDenied`] for callers who are not administrator or
    /// owner of the room; [`Error::Internal`] ("Recording failed to stop for room `<slug>`",
    /// REST 500) when the egress does not stop as expected — the recording is then
    /// `failed_to_stop`; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn stop(&self, caller: &Caller, room: &RoomRef) -> Result<RecordingView, Error> {
        let room = self.recordable_room(caller, room).await?;
        let Some(recording) = self.ports.recordings.active_for_room(room.id).await? else {
            return Err(Error::NotFound(
                "No active recording found for this room.".to_owned(),
            ));
        };
        let slug = room.slug.as_str();
        let answer = match recording.worker_id.as_deref() {
            Some(worker) => self.ports.egress.stop(worker).await,
            None => Err(Error::internal("the active recording has no egress id")),
        };
        let target = match &answer {
            Ok(info) if info.status == EgressStatus::Ending => RecordingStatus::Stopped,
            Ok(info) if info.status == EgressStatus::Aborted => RecordingStatus::Aborted,
            _ => RecordingStatus::FailedToStop,
        };
        let moved = self.move_to_or_current(&recording, target).await?;
        if target == RecordingStatus::FailedToStop {
            let cause = match answer {
                Ok(info) => format!("the egress answered {:?}", info.status),
                Err(error) => error.to_string(),
            };
            tracing::warn!(recording_id = %recording.id, cause = %cause, "recording failed to stop");
            return Err(Error::internal(format!(
                "Recording failed to stop for room {slug}: {cause}"
            )));
        }
        tracing::info!(recording_id = %recording.id, status = %moved.status, "recording stopped");
        let role = self
            .ports
            .recordings
            .role_of(moved.id, caller.require_user()?.id)
            .await?;
        Ok(self.view(moved, room, role))
    }

    fn view(&self, recording: Recording, room: Room, role: Option<Role>) -> RecordingView {
        let expires_at = self
            .settings
            .expiration_days
            .map(|days| recording.created_at + TimeDelta::days(i64::from(days)));
        let is_expired = expires_at.is_some_and(|at| at <= self.ports.clock.now());
        RecordingView {
            abilities: abilities(role, recording.status),
            key: recording.key(&self.settings.output_folder),
            caller_role: role,
            room,
            recording,
            expires_at,
            is_expired,
        }
    }

    /// Lists the recordings the caller has any access to (member included), newest first.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        caller: &Caller,
        page: &PageRequest<RecordingId>,
    ) -> Result<Page<RecordingView, RecordingId>, Error> {
        let user = caller.require_user()?;
        let rows = self.ports.recordings.list_for_user(user.id, page).await?;
        let fetched = Page::from_overfetch(rows, page.size, |r| r.id);
        let mut rooms: HashMap<RoomId, Room> = HashMap::new();
        let mut items = Vec::with_capacity(fetched.items.len());
        for recording in fetched.items {
            let role = self.ports.recordings.role_of(recording.id, user.id).await?;
            let room = if let Some(room) = rooms.get(&recording.room) {
                room.clone()
            } else {
                match self.ports.rooms.get(recording.room).await {
                    Ok(room) => {
                        rooms.insert(room.id, room.clone());
                        room
                    }
                    // Deleted meanwhile, with its recordings.
                    Err(Error::NotFound(_)) => continue,
                    Err(other) => return Err(other),
                }
            };
            items.push(self.view(recording, room, role));
        }
        Ok(Page {
            items,
            next: fetched.next,
        })
    }

    /// The recording and the user's role on it; a recording the user has no role on is not
    /// found.
    async fn recording_for(
        &self,
        caller: &Caller,
        id: RecordingId,
    ) -> Result<(Recording, Option<Role>), Error> {
        let user = caller.require_user()?;
        let recording = self.ports.recordings.get(id).await.map_err(|e| match e {
            Error::NotFound(_) => not_found(),
            other => other,
        })?;
        let role = self.ports.recordings.role_of(id, user.id).await?;
        Ok((recording, role))
    }

    /// Reads a recording (its owners and administrators, in any status).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] for unknown recordings and for users
    /// without any role on it (existence hidden); [`Error::PermissionDenied`] for members;
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(recording_id = %id))]
    pub async fn get(&self, caller: &Caller, id: RecordingId) -> Result<RecordingView, Error> {
        let (recording, role) = self.recording_for(caller, id).await?;
        if !abilities(role, recording.status).retrieve {
            return Err(hidden_or_denied(role));
        }
        let room = self
            .ports
            .rooms
            .get(recording.room)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => not_found(),
                other => other,
            })?;
        Ok(self.view(recording, room, role))
    }

    /// Deletes a recording (the row and its accesses; the file stays in the storage).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::NotFound`] for unknown recordings and strangers;
    /// [`Error::PermissionDenied`] for members, and for owners and administrators while the
    /// recording is not in a final status; [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(recording_id = %id))]
    pub async fn delete(&self, caller: &Caller, id: RecordingId) -> Result<(), Error> {
        let (recording, role) = self.recording_for(caller, id).await?;
        let can = abilities(role, recording.status);
        if !can.retrieve {
            return Err(hidden_or_denied(role));
        }
        if !can.destroy {
            return Err(Error::PermissionDenied(
                "A recording can only be deleted once it is finished.".to_owned(),
            ));
        }
        self.ports.recordings.delete(id).await?;
        tracing::info!(recording_id = %id, "recording deleted");
        Ok(())
    }

    /// The owners of a recording, most recently granted first (unknown users skipped).
    async fn owners(&self, recording: RecordingId) -> Result<Vec<User>, Error> {
        let mut owners = Vec::new();
        for id in self.ports.recordings.owners(recording).await? {
            match self.ports.users.get(id).await {
                Ok(user) => owners.push(user),
                Err(Error::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(owners)
    }

    /// What to send for a stored recording: the summary service for transcripts (and for
    /// screen recordings with the `transcribe` option), an e-mail to every owner of a screen
    /// recording. Notifications that cannot even be built are failures already.
    async fn notifications(
        &self,
        recording: &Recording,
        room: &Room,
    ) -> Result<(Vec<Notification>, Vec<NotificationFailure>), Error> {
        let owners = self.owners(recording.id).await?;
        let download_link = self
            .settings
            .download_base_url
            .as_deref()
            .map(|base| format!("{}/{}", base.trim_end_matches('/'), recording.id));
        let mut notifications = Vec::new();
        let mut failures = Vec::new();
        let wants_summary = recording.mode == RecordingMode::Transcript
            || recording.options.transcribe == Some(true);
        if wants_summary {
            match owners.first() {
                Some(owner) => notifications.push(Notification::Summary(SummaryRequest {
                    recording_id: recording.id,
                    mode: recording.mode,
                    recording_filename: recording.key(&self.settings.output_folder),
                    room_name: room.name.as_str().to_owned(),
                    owner_id: owner.id,
                    owner_sub: owner.sub.as_ref().map(|s| s.as_str().to_owned()),
                    owner_email: owner.email.as_ref().map(|e| e.as_str().to_owned()),
                    owner_timezone: owner.timezone.as_str().to_owned(),
                    language: recording
                        .options
                        .language
                        .clone()
                        .filter(|l| !l.trim().is_empty())
                        .unwrap_or_else(|| primary_subtag(owner.language.as_str())),
                    download_link: download_link.clone(),
                    recorded_at: recording.created_at,
                })),
                None => failures.push(NotificationFailure {
                    target: NotificationTarget::SummaryService,
                    reason: "the recording has no owner".to_owned(),
                }),
            }
        }
        if recording.mode == RecordingMode::ScreenRecording {
            for owner in &owners {
                let Some(email) = &owner.email else {
                    failures.push(NotificationFailure {
                        target: NotificationTarget::Owner(owner.id),
                        reason: "the owner has no e-mail address".to_owned(),
                    });
                    continue;
                };
                let zone = owner
                    .timezone
                    .as_str()
                    .parse::<chrono_tz::Tz>()
                    .unwrap_or(chrono_tz::UTC);
                notifications.push(Notification::OwnerEmail(OwnerEmail {
                    recording_id: recording.id,
                    owner_id: owner.id,
                    to: email.as_str().to_owned(),
                    owner_name: owner.full_name.clone().or_else(|| owner.short_name.clone()),
                    language: owner.language,
                    room_name: room.name.as_str().to_owned(),
                    recorded_at: recording.created_at.with_timezone(&zone).fixed_offset(),
                    download_link: download_link.clone(),
                    expiration_days: self.settings.expiration_days,
                }));
            }
        }
        Ok((notifications, failures))
    }

    /// Finalises a recording whose file is stored: claims it (`saved`), notifies the summary
    /// service and the owners, then moves it to `notification_succeeded` when every
    /// notification succeeded (it stays `saved` otherwise, and the failures are returned and
    /// logged).
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] ("… cannot be saved because it is either, in an error
    /// state or has already been saved.") unless the recording is `active` or `stopped` (also
    /// when a concurrent finalisation claimed it first); [`Error::Unavailable`].
    #[tracing::instrument(skip_all, fields(recording_id = %recording.id))]
    pub async fn finalise(&self, recording: Recording) -> Result<Finalised, Error> {
        if !recording.status.is_savable() {
            return Err(not_savable(recording.id));
        }
        let room = self.ports.rooms.get(recording.room).await?;
        let (notifications, mut failures) = self.notifications(&recording, &room).await?;
        let saved = self
            .move_to(&recording, RecordingStatus::Saved, None)
            .await
            .map_err(|e| match e {
                Error::FailedPrecondition(_) => not_savable(recording.id),
                other => other,
            })?;
        let report = if notifications.is_empty() {
            super::NotificationReport::default()
        } else {
            self.ports.notifier.notify(notifications).await
        };
        failures.extend(report.failures);
        if let Some(job) = report.summary_job_id
            && let Err(error) = self
                .ports
                .recordings
                .set_external_process(saved.id, &job, self.ports.clock.now())
                .await
        {
            tracing::warn!(recording_id = %saved.id, error = %error, "summary job id not stored");
            failures.push(NotificationFailure {
                target: NotificationTarget::SummaryService,
                reason: format!("the job id was not stored: {error}"),
            });
        }
        let recording = if failures.is_empty() {
            match self
                .move_to_or_current(&saved, RecordingStatus::NotificationSucceeded)
                .await
            {
                Ok(moved) => moved,
                // The summary service answered already (external_process_*): keep that.
                Err(Error::FailedPrecondition(_)) => self.ports.recordings.get(saved.id).await?,
                Err(other) => return Err(other),
            }
        } else {
            for failure in &failures {
                tracing::warn!(
                    recording_id = %saved.id,
                    target = ?failure.target,
                    reason = %failure.reason,
                    "recording notification failed"
                );
            }
            saved
        };
        tracing::info!(recording_id = %recording.id, status = %recording.status, "recording finalised");
        Ok(Finalised {
            recording,
            failures,
        })
    }

    /// The storage hook: checks the feature flag and the bearer token, reads the bucket
    /// notification (MinIO or S3) and applies it ([`Self::storage_event`]).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] ("Not found.") when storage events are disabled;
    /// [`Error::Unauthenticated`] when the token is missing, wrong or not configured;
    /// [`Error::PermissionDenied`] ("Invalid request data.") for a malformed notification;
    /// then as [`Self::storage_event`].
    #[tracing::instrument(skip_all)]
    pub async fn storage_hook(
        &self,
        token: Option<&str>,
        body: &Value,
    ) -> Result<StorageEventOutcome, Error> {
        if !self.settings.storage_events_enabled {
            return Err(Error::NotFound("Not found.".to_owned()));
        }
        check_token(self.settings.storage_events_token.as_deref(), token)?;
        let event = StorageEvent::from_notification(body)?;
        self.storage_event(&event).await
    }

    /// Applies a storage event: an object of a recording written to the recordings bucket
    /// finalises that recording.
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] ("Invalid bucket specified.") for another bucket, or when
    /// the recording cannot be finalised (not `active`/`stopped`); [`Error::NotFound`] for an
    /// unknown recording; [`Error::Unavailable`]. A content type other than `audio/ogg` or
    /// `video/mp4`, a key not of the form `<folder>/<uuid>.<ext>`, or an extension that is
    /// not the recording mode's is [`StorageEventOutcome::Ignored`].
    #[tracing::instrument(skip_all, fields(key = %event.key))]
    pub async fn storage_event(&self, event: &StorageEvent) -> Result<StorageEventOutcome, Error> {
        if event.bucket != self.settings.bucket {
            return Err(Error::PermissionDenied(
                "Invalid bucket specified.".to_owned(),
            ));
        }
        if !event
            .content_type
            .as_deref()
            .is_some_and(is_recording_content_type)
        {
            return Ok(StorageEventOutcome::Ignored(format!(
                "content type {:?} is not a recording's",
                event.content_type
            )));
        }
        let Some(file) = file_of_key(&event.key, &self.settings.output_folder) else {
            return Ok(StorageEventOutcome::Ignored(
                "the key is not a recording file".to_owned(),
            ));
        };
        let recording = self
            .ports
            .recordings
            .get(file.id)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => not_found(),
                other => other,
            })?;
        if !file.matches(recording.mode) {
            return Ok(StorageEventOutcome::Ignored(format!(
                "a .{} file is not the output of a {} recording",
                file.extension,
                recording.mode.as_str()
            )));
        }
        self.finalise(recording)
            .await
            .map(StorageEventOutcome::Finalised)
    }

    /// The summary service's callback: checks its bearer token, then applies the result
    /// ([`Self::external_process_result`]).
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] when the token is missing, wrong or not configured; then as
    /// [`Self::external_process_result`].
    #[tracing::instrument(skip_all)]
    pub async fn external_process_hook(
        &self,
        token: Option<&str>,
        reference: &ExternalProcessRef,
        result: ExternalProcessResult,
    ) -> Result<ExternalProcessOutcome, Error> {
        check_token(self.settings.summary_callback_token.as_deref(), token)?;
        self.external_process_result(reference, result).await
    }

    /// Checks the summary service's bearer token alone: a callback that reports nothing to
    /// apply (neither success nor failure) is still refused without the right token.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] when the token is missing, wrong or not configured.
    pub fn check_summary_token(&self, token: Option<&str>) -> Result<(), Error> {
        check_token(self.settings.summary_callback_token.as_deref(), token)
    }

    /// Records the summary service's result: `external_process_successful` or
    /// `external_process_failed`, from `saved` or `notification_succeeded`. Repeating a
    /// result is harmless; an unknown recording or job is [`ExternalProcessOutcome::Unknown`].
    ///
    /// # Errors
    ///
    /// [`Error::FailedPrecondition`] when the recording is in another status (logged);
    /// [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn external_process_result(
        &self,
        reference: &ExternalProcessRef,
        result: ExternalProcessResult,
    ) -> Result<ExternalProcessOutcome, Error> {
        let found = match reference {
            ExternalProcessRef::Recording(id) => self.ports.recordings.get(*id).await,
            ExternalProcessRef::Job(job) => {
                self.ports.recordings.get_by_external_process(job).await
            }
        };
        let recording = match found {
            Ok(recording) => recording,
            Err(Error::NotFound(_)) => {
                tracing::info!(reference = ?reference, "summary result for an unknown recording ignored");
                return Ok(ExternalProcessOutcome::Unknown);
            }
            Err(other) => return Err(other),
        };
        let to = match result {
            ExternalProcessResult::Succeeded => RecordingStatus::ExternalProcessSuccessful,
            ExternalProcessResult::Failed => RecordingStatus::ExternalProcessFailed,
        };
        if recording.status == to {
            return Ok(ExternalProcessOutcome::AlreadyApplied(recording));
        }
        match self.move_to(&recording, to, None).await {
            Ok(moved) => Ok(ExternalProcessOutcome::Applied(moved)),
            Err(Error::FailedPrecondition(message)) => {
                let current = self.ports.recordings.get(recording.id).await?;
                if current.status == to {
                    Ok(ExternalProcessOutcome::AlreadyApplied(current))
                } else {
                    Err(Error::FailedPrecondition(message))
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Authorises a download (a reverse proxy's `auth_request`): the URL must name a
    /// recording file of the caller's (owner or administrator) whose file is stored; the
    /// answer is the signed storage request to forward.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`]; [`Error::PermissionDenied`] when the URL is missing or
    /// not of the form `…/media/<folder>/<uuid>.<ext>`, when the caller is not owner or
    /// administrator of the recording, or when its file is not stored yet;
    /// [`Error::Invalid`] on `extension` ("Unsupported extension.") for an extension other
    /// than `ogg`/`mp4`; [`Error::NotFound`] for an unknown recording or an extension that is
    /// not its mode's; then as [`ObjectSigner::sign_get`].
    #[tracing::instrument(skip_all)]
    pub async fn authorize_download(
        &self,
        caller: &Caller,
        original_url: Option<&str>,
    ) -> Result<SignedRequest, Error> {
        let user = caller.require_user()?;
        let url = original_url.ok_or_else(|| {
            Error::PermissionDenied("The download URL is not of a recording.".to_owned())
        })?;
        let file = file_of_download_url(url, &self.settings.output_folder)?;
        let recording = self
            .ports
            .recordings
            .get(file.id)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => not_found(),
                other => other,
            })?;
        if !file.matches(recording.mode) {
            return Err(not_found());
        }
        let role = self.ports.recordings.role_of(recording.id, user.id).await?;
        if !abilities(role, recording.status).retrieve {
            return Err(Error::PermissionDenied(
                "You do not have permission to perform this action.".to_owned(),
            ));
        }
        if !recording.status.is_saved() {
            return Err(Error::PermissionDenied(
                "The recording is not ready to be downloaded.".to_owned(),
            ));
        }
        self.ports.signer.sign_get(
            &recording.key(&self.settings.output_folder),
            self.ports.clock.now(),
        )
    }

    /// The recording made by an egress; an unknown egress is logged and `None`.
    async fn recording_of_egress(&self, egress_id: &str) -> Result<Option<Recording>, Error> {
        match self.ports.recordings.get_by_worker(egress_id).await {
            Ok(recording) => Ok(Some(recording)),
            Err(Error::NotFound(_)) => {
                tracing::warn!(egress_id = %egress_id, "egress event of no recording acknowledged");
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// `egress_updated`: mirrors ACTIVE, ENDING and ABORTED into the live room's metadata
    /// (`recording_status` `started`, `saving`, `aborted`); other statuses are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the store cannot be reached (metadata failures are only
    /// logged).
    #[tracing::instrument(skip_all, fields(egress_id = %egress.egress_id))]
    pub async fn egress_updated(&self, egress: &EgressInfo) -> Result<(), Error> {
        let Some(recording) = self.recording_of_egress(&egress.egress_id).await? else {
            return Ok(());
        };
        let shown = match egress.status {
            EgressStatus::Active => "started",
            EgressStatus::Ending => "saving",
            EgressStatus::Aborted => "aborted",
            _ => return Ok(()),
        };
        let mut set = serde_json::Map::new();
        set.insert(METADATA_STATUS.to_owned(), Value::String(shown.to_owned()));
        self.set_room_metadata(recording.room, set, Vec::new())
            .await;
        Ok(())
    }

    /// `egress_ended`: removes `recording_mode` and `recording_status` from the live room's
    /// metadata; on LIMIT_REACHED of an active recording, tells the room
    /// (`screenRecordingLimitReached` / `transcriptionLimitReached`) and marks it `stopped`;
    /// an ABORTED or FAILED end of an active recording marks it `aborted` (so the room is
    /// free again); and when storage events are disabled, a COMPLETE or LIMIT_REACHED end
    /// finalises the recording (a recording that cannot be finalised is only logged).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the store or the media server cannot be reached (LiveKit
    /// retries the delivery).
    #[tracing::instrument(skip_all, fields(egress_id = %egress.egress_id))]
    pub async fn egress_ended(&self, egress: &EgressInfo) -> Result<(), Error> {
        let Some(mut recording) = self.recording_of_egress(&egress.egress_id).await? else {
            return Ok(());
        };
        self.set_room_metadata(
            recording.room,
            serde_json::Map::new(),
            vec![METADATA_MODE.to_owned(), METADATA_STATUS.to_owned()],
        )
        .await;
        if recording.status == RecordingStatus::Active {
            match egress.status {
                EgressStatus::LimitReached => {
                    self.announce_limit(&recording).await?;
                    recording = self
                        .move_to_or_current(&recording, RecordingStatus::Stopped)
                        .await?;
                }
                EgressStatus::Aborted | EgressStatus::Failed => {
                    tracing::warn!(recording_id = %recording.id, error = ?egress.error, "egress ended without a file");
                    recording = self
                        .move_to_or_current(&recording, RecordingStatus::Aborted)
                        .await?;
                }
                _ => {}
            }
        }
        let file_written = matches!(
            egress.status,
            EgressStatus::Complete | EgressStatus::LimitReached
        );
        if file_written && !self.settings.storage_events_enabled {
            match self.finalise(recording).await {
                Ok(_) => {}
                Err(Error::PermissionDenied(reason)) => {
                    tracing::info!(egress_id = %egress.egress_id, reason = %reason, "recording not finalised");
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// Tells the room's participants that the recording hit its limit.
    async fn announce_limit(&self, recording: &Recording) -> Result<(), Error> {
        let kind = match recording.mode {
            RecordingMode::ScreenRecording => "screenRecordingLimitReached",
            RecordingMode::Transcript => "transcriptionLimitReached",
        };
        let message = DataMessage {
            payload: serde_json::json!({ "type": kind }).to_string().into_bytes(),
            topic: None,
            destinations: Vec::new(),
        };
        match self
            .ports
            .media
            .send_data(&recording.room.to_string(), message)
            .await
        {
            Ok(()) | Err(Error::NotFound(_)) => Ok(()),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests;

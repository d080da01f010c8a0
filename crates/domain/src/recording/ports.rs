//! The recording ports: the repository, the notifier of finished recordings and the signer
//! of downloads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Notification, NotificationReport, Recording, RecordingAccess, RecordingStatus};
use crate::Error;
use crate::access::Role;
use crate::id::{RecordingId, RoomId, UserId};
use crate::page::PageRequest;

/// Stores recordings and their accesses.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecordingRepository: Send + Sync {
    /// Inserts a recording with its owner's access in one transaction.
    ///
    /// # Errors
    ///
    /// - [`Error::Conflict`] when the room already has an initiated or active recording
    ///   (enforced by the store, so concurrent starts yield exactly one; nothing is written);
    /// - [`Error::NotFound`] when the room or the user does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn create(&self, recording: &Recording, owner: &RecordingAccess) -> Result<(), Error>;

    /// Reads a recording.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no recording has this id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, id: RecordingId) -> Result<Recording, Error>;

    /// Reads the recording made by a LiveKit egress.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no recording has this worker id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get_by_worker(&self, worker_id: &str) -> Result<Recording, Error>;

    /// The room's recording in status `active`, if any.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn active_for_room(&self, room: RoomId) -> Result<Option<Recording>, Error>;

    /// The recordings `user` has any access to, newest first (by id, descending), strictly
    /// after the cursor, at most `page.size + 1` items.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_for_user(
        &self,
        user: UserId,
        page: &PageRequest<RecordingId>,
    ) -> Result<Vec<Recording>, Error>;

    /// The role `user` holds on a recording, if any.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn role_of(&self, recording: RecordingId, user: UserId) -> Result<Option<Role>, Error>;

    /// Moves a recording from `from` to `to` if it is still in `from` (compare-and-set), and
    /// records the egress id when given.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the recording does not exist;
    /// - [`Error::FailedPrecondition`] when it is no longer in `from` (nothing is written);
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn transition(
        &self,
        id: RecordingId,
        from: RecordingStatus,
        to: RecordingStatus,
        worker_id: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Recording, Error>;

    /// The users holding the owner role on a recording, the most recently granted first.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn owners(&self, recording: RecordingId) -> Result<Vec<UserId>, Error>;

    /// Reads the recording the summary service knows by its job id (`external_process_id`).
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no recording has this job id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get_by_external_process(&self, job_id: &str) -> Result<Recording, Error>;

    /// Records the summary service's job id of a recording (replacing any earlier one) and
    /// touches `updated_at`; the status is not changed.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the recording does not exist;
    /// - [`Error::AlreadyExists`] on `external_process_id` when another recording has this job
    ///   id (nothing is written);
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn set_external_process(
        &self,
        id: RecordingId,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Error>;

    /// Deletes a recording and its accesses.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the recording does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn delete(&self, id: RecordingId) -> Result<(), Error>;
}

/// Tells the people and services waiting for a recording that its file is stored: the
/// summary (transcription) service and the recording's owners.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecordingNotifier: Send + Sync {
    /// Sends every notification, each retried a bounded number of times within a bounded
    /// time, and reports what failed (and the summary service's job id).
    ///
    /// # Errors
    ///
    /// None: a notification that could not be delivered (service not configured, refused,
    /// unreachable, timed out) is listed in [`NotificationReport::failures`], never returned
    /// as an error, so that finalising a recording always completes.
    async fn notify(&self, notifications: Vec<Notification>) -> NotificationReport;
}

/// A request to the object storage, signed for a client that forwards it (a reverse proxy's
/// `auth_request`).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The URL the signature is valid for.
    pub url: String,
    /// The headers to send with the request: `Authorization`, `X-Amz-Date`,
    /// `X-Amz-Content-SHA256` (names as written, values verbatim).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("SignedRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .finish()
    }
}

/// Signs requests to the object storage that holds the recording files.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ObjectSigner: Send + Sync {
    /// Signs a `GET` of the object `key` of the recordings bucket, as of `at`.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] (dependency `storage`) when no storage credentials are
    ///   configured;
    /// - [`Error::Internal`] when the request cannot be signed (an invalid key or endpoint).
    fn sign_get(&self, key: &str, at: DateTime<Utc>) -> Result<SignedRequest, Error>;
}

//! Recordings: their status machine, modes and options, their own accesses and abilities, the
//! ports (repository, notifier, download signer), the storage's events and the use cases.

mod abilities;
mod model;
mod notice;
mod ports;
mod service;
mod status;
mod storage;

pub use abilities::{RecordingAbilities, abilities, may_download};
pub use model::{Recording, RecordingAccess, RecordingMode, RecordingOptions};
pub use notice::{
    Notification, NotificationFailure, NotificationReport, NotificationTarget, OwnerEmail,
    SummaryRequest,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockObjectSigner, MockRecordingNotifier, MockRecordingRepository};
pub use ports::{ObjectSigner, RecordingNotifier, RecordingRepository, SignedRequest};
pub use service::{
    ExternalProcessOutcome, ExternalProcessRef, ExternalProcessResult, Finalised, METADATA_MODE,
    METADATA_STATUS, RecordingPorts, RecordingService, RecordingSettings, RecordingView,
    StartRecording, StorageEventOutcome,
};
pub use status::RecordingStatus;
pub use storage::StorageEvent;

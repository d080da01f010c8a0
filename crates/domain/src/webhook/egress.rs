//! `egress_updated` and `egress_ended`: the recording use cases take them
//! ([`RecordingService::egress_updated`], [`RecordingService::egress_ended`]); these handlers
//! only route. An event without egress, or of an egress that made no recording, is logged and
//! acknowledged.

use async_trait::async_trait;

use super::WebhookHandler;
use crate::Error;
use crate::media::WebhookEvent;
use crate::recording::RecordingService;

/// `egress_updated`: mirrors the egress status into the room's metadata.
#[derive(Clone)]
pub struct EgressUpdated {
    recordings: RecordingService,
}

impl EgressUpdated {
    /// The handler over the recording use cases.
    pub fn new(recordings: RecordingService) -> Self {
        Self { recordings }
    }
}

#[async_trait]
impl WebhookHandler for EgressUpdated {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        let Some(egress) = &event.egress else {
            tracing::warn!(event_id = %event.id, "egress_updated without egress acknowledged");
            return Ok(());
        };
        self.recordings.egress_updated(egress).await
    }
}

/// `egress_ended`: cleans the room's metadata, handles limits and finalises.
#[derive(Clone)]
pub struct EgressEnded {
    recordings: RecordingService,
}

impl EgressEnded {
    /// The handler over the recording use cases.
    pub fn new(recordings: RecordingService) -> Self {
        Self { recordings }
    }
}

#[async_trait]
impl WebhookHandler for EgressEnded {
    async fn handle(&self, event: &WebhookEvent) -> Result<(), Error> {
        let Some(egress) = &event.egress else {
            tracing::warn!(event_id = %event.id, "egress_ended without egress acknowledged");
            return Ok(());
        };
        self.recordings.egress_ended(egress).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::access::MockAccessRepository;
    use crate::fixtures::{block_on, clock};
    use crate::media::{
        EgressInfo, EgressStatus, MockMediaServer, MockRecordingEgress, MockWebhookVerifier,
        ReceivedWebhook, WebhookKind,
    };
    use crate::recording::{
        MockObjectSigner, MockRecordingNotifier, MockRecordingRepository, RecordingPorts,
        RecordingSettings,
    };
    use crate::room::MockRoomRepository;
    use crate::user::MockUserRepository;
    use crate::webhook::{MockEventLedger, WebhookOutcome, WebhookService};

    /// The recording use cases over `recordings`; any other port call panics.
    fn service(recordings: MockRecordingRepository) -> RecordingService {
        RecordingService::new(
            RecordingPorts {
                recordings: Arc::new(recordings),
                rooms: Arc::new(MockRoomRepository::new()),
                accesses: Arc::new(MockAccessRepository::new()),
                users: Arc::new(MockUserRepository::new()),
                egress: Arc::new(MockRecordingEgress::new()),
                media: Arc::new(MockMediaServer::new()),
                notifier: Arc::new(MockRecordingNotifier::new()),
                signer: Arc::new(MockObjectSigner::new()),
                clock: clock(),
            },
            RecordingSettings::default(),
        )
    }

    fn event(kind: WebhookKind, egress: Option<EgressInfo>) -> WebhookEvent {
        WebhookEvent {
            id: format!("EV_{}", kind.as_str()),
            kind,
            room: Some("r".to_owned()),
            participant: None,
            egress,
            created_at: 0,
        }
    }

    fn egress(id: &str, status: EgressStatus) -> EgressInfo {
        EgressInfo {
            egress_id: id.to_owned(),
            room: "r".to_owned(),
            status,
            error: None,
        }
    }

    #[test]
    fn events_without_egress_are_acknowledged() {
        let mut recordings = MockRecordingRepository::new();
        recordings.expect_get_by_worker().never();
        let svc = service(recordings);
        block_on(EgressUpdated::new(svc.clone()).handle(&event(WebhookKind::EgressUpdated, None)))
            .unwrap();
        block_on(EgressEnded::new(svc).handle(&event(WebhookKind::EgressEnded, None))).unwrap();
    }

    #[test]
    fn egress_events_reach_the_recording_use_cases_through_the_intake() {
        for (kind, handler) in [
            (
                WebhookKind::EgressUpdated,
                Arc::new(EgressUpdated::new(service({
                    let mut recordings = MockRecordingRepository::new();
                    recordings
                        .expect_get_by_worker()
                        .withf(|id| id == "EG_1")
                        .times(1)
                        .returning(|_| Err(crate::Error::NotFound("none".to_owned())));
                    recordings
                }))) as Arc<dyn WebhookHandler>,
            ),
            (
                WebhookKind::EgressEnded,
                Arc::new(EgressEnded::new(service({
                    let mut recordings = MockRecordingRepository::new();
                    recordings
                        .expect_get_by_worker()
                        .withf(|id| id == "EG_1")
                        .times(1)
                        .returning(|_| Err(crate::Error::NotFound("none".to_owned())));
                    recordings
                }))),
            ),
        ] {
            let received = event(kind, Some(egress("EG_1", EgressStatus::Complete)));
            let mut verifier = MockWebhookVerifier::new();
            verifier
                .expect_verify()
                .returning(move |_, _| Ok(ReceivedWebhook::Event(Box::new(received.clone()))));
            let mut ledger = MockEventLedger::new();
            ledger.expect_seen().returning(|_| Ok(false));
            ledger.expect_remember().returning(|_, _| Ok(()));
            let intake = WebhookService::new(Arc::new(verifier), Arc::new(ledger), None)
                .with_handler(kind, handler);
            assert_eq!(
                block_on(intake.receive("{}", Some("jwt"))).unwrap(),
                WebhookOutcome::Handled,
                "{kind:?}"
            );
        }
    }
}

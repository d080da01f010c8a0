//! [`RecordingNotifier`] over the summary service client and the SMTP relay.

use anteroom_domain::Error;
use anteroom_domain::recording::{
    Notification, NotificationFailure, NotificationReport, RecordingNotifier,
};
use async_trait::async_trait;
use futures_util::future::join_all;

use crate::mail::{Mailer, SmtpConfig};
use crate::retry::{RetryPolicy, with_retries};
use crate::summary::{SummaryClient, SummaryConfig};

/// What the notifier talks to; an absent service makes its notifications fail (reported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifierConfig {
    /// The summary service, if any.
    pub summary: Option<SummaryConfig>,
    /// The SMTP relay, if any.
    pub smtp: Option<SmtpConfig>,
    /// How each notification is retried.
    pub retry: RetryPolicy,
}

/// Sends the notifications of stored recordings, all at once, each retried with backoff
/// within [`RetryPolicy::deadline`] (so a batch never takes longer than that).
#[derive(Debug, Clone)]
pub struct Notifier {
    summary: Option<SummaryClient>,
    mailer: Option<Mailer>,
    retry: RetryPolicy,
}

impl Notifier {
    /// A notifier over `config`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `recordings.smtp.url` or `recordings.smtp.from` when the relay URL
    /// or the sender address cannot be read, or on `recordings.summary.url` when the HTTP
    /// client cannot be built.
    pub fn new(config: NotifierConfig) -> Result<Self, Error> {
        let summary = config
            .summary
            .map(SummaryClient::new)
            .transpose()
            .map_err(|e| Error::invalid("recordings.summary.url", e))?;
        let mailer = config
            .smtp
            .as_ref()
            .map(|smtp| Mailer::new(smtp, "recordings"))
            .transpose()?;
        Ok(Self {
            summary,
            mailer,
            retry: config.retry,
        })
    }

    /// Delivers one notification: the summary job id, if any, or why it failed.
    async fn deliver(&self, notification: &Notification) -> Result<Option<String>, String> {
        match notification {
            Notification::Summary(request) => {
                let Some(client) = &self.summary else {
                    return Err("no summary service is configured".to_owned());
                };
                with_retries(self.retry, || client.send(request)).await
            }
            Notification::OwnerEmail(mail) => {
                let Some(mailer) = &self.mailer else {
                    return Err("no SMTP relay is configured".to_owned());
                };
                with_retries(self.retry, || mailer.send(mail))
                    .await
                    .map(|()| None)
            }
        }
    }
}

#[async_trait]
impl RecordingNotifier for Notifier {
    async fn notify(&self, notifications: Vec<Notification>) -> NotificationReport {
        let outcomes = join_all(notifications.iter().map(|notification| async move {
            (notification.target(), self.deliver(notification).await)
        }))
        .await;
        let mut report = NotificationReport::default();
        for (target, outcome) in outcomes {
            match outcome {
                Ok(Some(job)) => report.summary_job_id = Some(job),
                Ok(None) => {}
                Err(reason) => report.failures.push(NotificationFailure { target, reason }),
            }
        }
        report
    }
}

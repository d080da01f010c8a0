//! The summary (transcription) service: `POST <url>` with a JSON body and
//! `Authorization: Bearer <token>`; a 2xx answer may carry the job id (`{"job_id": "…"}`),
//! which the service later names in its callback.

use std::fmt;
use std::time::Duration;

use anteroom_domain::recording::SummaryRequest;
use serde_json::{Value, json};

use crate::retry::Attempt;

/// Where the summary service is.
#[derive(Clone, PartialEq, Eq)]
pub struct SummaryConfig {
    /// The endpoint (`https://summary.example/api/v1/tasks/`).
    pub url: String,
    /// The bearer token it requires (never printed by `Debug`).
    pub token: String,
    /// The timeout of one request.
    pub timeout: Duration,
}

impl fmt::Debug for SummaryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SummaryConfig")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The JSON body sent for a recording.
pub fn summary_body(request: &SummaryRequest) -> Value {
    json!({
        "recording_id": request.recording_id.to_string(),
        "mode": request.mode.as_str(),
        "recording_filename": request.recording_filename,
        "room": request.room_name,
        "owner_id": request.owner_id.to_string(),
        "sub": request.owner_sub,
        "email": request.owner_email,
        "owner_timezone": request.owner_timezone,
        "language": request.language,
        "download_link": request.download_link,
        "recording_start_at": request.recorded_at.to_rfc3339(),
    })
}

/// The summary service's HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct SummaryClient {
    http: reqwest::Client,
    config: SummaryConfig,
}

impl SummaryClient {
    pub(crate) fn new(config: SummaryConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| format!("cannot build the summary service client: {e}"))?;
        Ok(Self { http, config })
    }

    /// One attempt: the job id on success.
    pub(crate) async fn send(&self, request: &SummaryRequest) -> Attempt<Option<String>> {
        let answer = self
            .http
            .post(&self.config.url)
            .bearer_auth(&self.config.token)
            .json(&summary_body(request))
            .send()
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry(format!(
                    "summary service unreachable: {}",
                    error.without_url()
                ));
            }
        };
        let status = response.status();
        if status.is_success() {
            let job = match response.json::<Value>().await {
                Ok(body) => body
                    .get("job_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                Err(_) => None,
            };
            if job.is_none() {
                tracing::warn!(recording_id = %request.recording_id, "summary service answered without a job id");
            }
            return Attempt::Done(job);
        }
        let reason = format!("summary service answered {status}");
        if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
        {
            Attempt::Retry(reason)
        } else {
            Attempt::Fail(reason)
        }
    }
}

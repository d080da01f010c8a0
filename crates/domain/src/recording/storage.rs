//! The object storage as the recording rules see it: bucket notifications (MinIO and S3),
//! the object keys of recording files, and the download URLs a reverse proxy asks about.

use serde_json::Value;

use super::RecordingMode;
use crate::Error;
use crate::id::RecordingId;

/// The content types of recording files.
const CONTENT_TYPES: [(&str, &str); 2] = [("ogg", "audio/ogg"), ("mp4", "video/mp4")];

/// An object-created notification of the storage, reduced to what the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageEvent {
    /// The bucket the object was written to.
    pub bucket: String,
    /// The object key, percent-decoded (`recordings/<id>.ogg`).
    pub key: String,
    /// The object's content type: as the storage reports it (MinIO), else guessed from the
    /// key's extension (S3 does not report it).
    pub content_type: Option<String>,
}

fn malformed() -> Error {
    Error::PermissionDenied("Invalid request data.".to_owned())
}

impl StorageEvent {
    /// Reads a bucket notification in MinIO's or S3's format
    /// (`{"Records":[{"s3":{"bucket":{"name"},"object":{"key","contentType"?}}}]}`); only
    /// the first record counts. Keys may be percent-encoded (MinIO encodes `/` as `%2F`) or
    /// raw (S3).
    ///
    /// # Errors
    ///
    /// [`Error::PermissionDenied`] ("Invalid request data.") for anything else.
    pub fn from_notification(body: &Value) -> Result<Self, Error> {
        let record = body
            .get("Records")
            .and_then(Value::as_array)
            .and_then(|records| records.first())
            .and_then(|record| record.get("s3"))
            .ok_or_else(malformed)?;
        let text = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
        };
        let bucket = text(record.pointer("/bucket/name")).ok_or_else(malformed)?;
        let raw_key = text(record.pointer("/object/key")).ok_or_else(malformed)?;
        let key = percent_decode(&raw_key).ok_or_else(malformed)?;
        let content_type =
            text(record.pointer("/object/contentType")).or_else(|| guess_content_type(&key));
        Ok(Self {
            bucket,
            key,
            content_type,
        })
    }
}

/// The content type of a recording file, from its key's extension.
fn guess_content_type(key: &str) -> Option<String> {
    let (_, ext) = key.rsplit_once('.')?;
    CONTENT_TYPES
        .iter()
        .find(|(e, _)| ext.eq_ignore_ascii_case(e))
        .map(|(_, t)| (*t).to_owned())
}

/// Whether a content type is one of a recording file (`audio/ogg`, `video/mp4`; parameters
/// after `;` ignored).
pub(crate) fn is_recording_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    CONTENT_TYPES.iter().any(|(_, t)| *t == essence)
}

/// Decodes `%XX` escapes (`+` is kept); `None` when an escape is broken or the result is not
/// UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A recording file named by an object key or a download URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordingFile {
    /// The recording.
    pub(crate) id: RecordingId,
    /// The file's extension.
    pub(crate) extension: &'static str,
}

impl RecordingFile {
    /// Whether the extension is the one of `mode`.
    pub(crate) fn matches(self, mode: RecordingMode) -> bool {
        self.extension == mode.extension()
    }
}

/// Reads `<uuid>.<ext>`: `Err(true)` when the extension is not a recording's, `Err(false)`
/// when the name is not of that shape.
fn file_name(name: &str) -> Result<RecordingFile, bool> {
    let (stem, ext) = name.rsplit_once('.').ok_or(false)?;
    if stem.is_empty() || stem.contains(['/', '.']) {
        return Err(false);
    }
    let id = stem.parse::<RecordingId>().map_err(|_| false)?;
    let extension = CONTENT_TYPES
        .iter()
        .map(|(e, _)| *e)
        .find(|e| *e == ext)
        .ok_or(true)?;
    Ok(RecordingFile { id, extension })
}

/// The recording file of an object key `[<folders>/]<folder>/<uuid>.<ext>`, if it is one.
pub(crate) fn file_of_key(key: &str, folder: &str) -> Option<RecordingFile> {
    let (dir, name) = key.rsplit_once('/')?;
    let folder = folder.trim_matches('/');
    let in_folder = dir == folder || dir.ends_with(&format!("/{folder}"));
    if !in_folder {
        return None;
    }
    file_name(name).ok()
}

/// The recording file of a download URL `…/media/<folder>/<uuid>.<ext>[?…]` (the
/// `X-Original-URL` a reverse proxy forwards).
///
/// # Errors
///
/// [`Error::PermissionDenied`] when the URL is not of that shape; [`Error::Invalid`] on
/// `extension` ("Unsupported extension.") when the extension is not `ogg` or `mp4`.
pub(crate) fn file_of_download_url(url: &str, folder: &str) -> Result<RecordingFile, Error> {
    let denied = || Error::PermissionDenied("The download URL is not of a recording.".to_owned());
    let marker = format!("/media/{}/", folder.trim_matches('/'));
    let start = url.find(&marker).ok_or_else(denied)? + marker.len();
    let rest = &url[start..];
    let name = rest.split(['?', '#']).next().unwrap_or_default();
    if name.contains('/') {
        return Err(denied());
    }
    file_name(name).map_err(|unsupported| {
        if unsupported {
            Error::invalid("extension", "Unsupported extension.")
        } else {
            denied()
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn minio(bucket: &str, key: &str, content_type: &str) -> Value {
        json!({
            "EventName": "s3:ObjectCreated:Put",
            "Key": format!("{bucket}/{key}"),
            "Records": [{
                "eventName": "s3:ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {"key": key, "size": 10, "contentType": content_type}
                }
            }]
        })
    }

    #[test]
    fn minio_notifications_are_percent_decoded() {
        let id = RecordingId::new();
        let event = StorageEvent::from_notification(&minio(
            "anteroom-recordings",
            &format!("recordings%2F{id}.ogg"),
            "audio/ogg",
        ))
        .unwrap();
        assert_eq!(event.bucket, "anteroom-recordings");
        assert_eq!(event.key, format!("recordings/{id}.ogg"));
        assert_eq!(event.content_type.as_deref(), Some("audio/ogg"));
    }

    #[test]
    fn s3_notifications_guess_the_content_type() {
        let id = RecordingId::new();
        let body = json!({"Records": [{"s3": {
            "bucket": {"name": "b"},
            "object": {"key": format!("recordings/{id}.mp4")}
        }}]});
        let event = StorageEvent::from_notification(&body).unwrap();
        assert_eq!(event.key, format!("recordings/{id}.mp4"));
        assert_eq!(event.content_type.as_deref(), Some("video/mp4"));
        let other = json!({"Records": [{"s3": {
            "bucket": {"name": "b"}, "object": {"key": "x/notes.txt"}
        }}]});
        assert_eq!(
            StorageEvent::from_notification(&other)
                .unwrap()
                .content_type,
            None
        );
    }

    #[test]
    fn malformed_notifications_are_refused() {
        for body in [
            json!({}),
            json!({"Records": []}),
            json!({"Records": [{"s3": {"bucket": {"name": "b"}}}]}),
            json!({"Records": [{"s3": {"bucket": {}, "object": {"key": "k"}}}]}),
            json!({"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "%zz"}}}]}),
            json!({"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": 3}}}]}),
            json!([1, 2]),
        ] {
            assert!(
                matches!(
                    StorageEvent::from_notification(&body),
                    Err(Error::PermissionDenied(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn keys_are_recording_files_only_in_the_folder() {
        let id = RecordingId::new();
        let file = file_of_key(&format!("recordings/{id}.ogg"), "recordings").unwrap();
        assert_eq!((file.id, file.extension), (id, "ogg"));
        assert!(file.matches(RecordingMode::Transcript));
        assert!(!file.matches(RecordingMode::ScreenRecording));
        assert!(file_of_key(&format!("tenant/a/recordings/{id}.mp4"), "recordings").is_some());
        for key in [
            format!("other/{id}.ogg"),
            format!("{id}.ogg"),
            format!("myrecordings/{id}.ogg"),
            format!("recordings/{id}.wav"),
            format!("recordings/{id}"),
            "recordings/not-a-uuid.ogg".to_owned(),
            format!("recordings/{id}.ogg/x"),
        ] {
            assert_eq!(file_of_key(&key, "recordings"), None, "{key}");
        }
    }

    #[test]
    fn content_types_of_recordings() {
        assert!(is_recording_content_type("audio/ogg"));
        assert!(is_recording_content_type("Video/MP4; codecs=avc1"));
        assert!(!is_recording_content_type("text/plain"));
        assert!(!is_recording_content_type(""));
    }

    #[test]
    fn download_urls_name_a_file() {
        let id = RecordingId::new();
        let file = file_of_download_url(
            &format!("https://meet.example/media/recordings/{id}.mp4?x=1"),
            "recordings",
        )
        .unwrap();
        assert_eq!((file.id, file.extension), (id, "mp4"));
        assert!(matches!(
            file_of_download_url(&format!("/media/recordings/{id}.wav"), "recordings"),
            Err(Error::Invalid(_))
        ));
        for url in [
            String::new(),
            format!("/files/recordings/{id}.mp4"),
            format!("/media/other/{id}.mp4"),
            "/media/recordings/nope.mp4".to_owned(),
            format!("/media/recordings/a/{id}.mp4"),
        ] {
            assert!(
                matches!(
                    file_of_download_url(&url, "recordings"),
                    Err(Error::PermissionDenied(_))
                ),
                "{url}"
            );
        }
    }
}

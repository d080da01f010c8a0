//! Recording egress ([`RecordingEgress`]) on [`LivekitServer`].

use anteroom_domain::Error;
use anteroom_domain::media::{EgressInfo, EgressRequest, RecordingEgress};
use anteroom_domain::recording::RecordingMode;
use async_trait::async_trait;
use livekit_api::services::egress::{
    EgressListFilter, EgressListOptions, EgressOutput, RoomCompositeOptions,
};
use livekit_protocol as proto;

use crate::config::{S3Output, VideoEncoding};
use crate::convert;
use crate::error::translate;
use crate::server::LivekitServer;

/// The layout of video recordings.
pub const VIDEO_LAYOUT: &str = "speaker-light";

/// The file output of a recording: mp4 for video, ogg for audio-only, uploaded to the S3
/// bucket when one is configured, else written by the egress worker at `file_key`.
fn file_output(mode: RecordingMode, file_key: &str, storage: Option<&S3Output>) -> EgressOutput {
    let file_type = match mode {
        RecordingMode::ScreenRecording => proto::EncodedFileType::Mp4,
        RecordingMode::Transcript => proto::EncodedFileType::Ogg,
    };
    let output = storage.map(|s| {
        proto::encoded_file_output::Output::S3(proto::S3Upload {
            access_key: s.access_key.clone(),
            secret: s.secret.clone(),
            region: s.region.clone(),
            endpoint: s.endpoint.clone(),
            bucket: s.bucket.clone(),
            force_path_style: s.force_path_style,
            ..proto::S3Upload::default()
        })
    });
    EgressOutput::File(proto::EncodedFileOutput {
        file_type: file_type.into(),
        filepath: file_key.to_owned(),
        output,
        ..proto::EncodedFileOutput::default()
    })
}

/// The room composite options: `speaker-light` video (in `encoding`, else LiveKit's
/// default), or audio only.
fn composite_options(mode: RecordingMode, encoding: Option<VideoEncoding>) -> RoomCompositeOptions {
    match mode {
        RecordingMode::ScreenRecording => RoomCompositeOptions {
            layout: VIDEO_LAYOUT.to_owned(),
            encoding: encoding.map(VideoEncoding::options).unwrap_or_default(),
            ..RoomCompositeOptions::default()
        },
        RecordingMode::Transcript => RoomCompositeOptions {
            audio_only: true,
            ..RoomCompositeOptions::default()
        },
    }
}

#[async_trait]
impl RecordingEgress for LivekitServer {
    /// `StartRoomCompositeEgress`: video is mp4 with the `speaker-light` layout, a
    /// transcript recording is ogg with `audio_only`.
    async fn start(&self, request: EgressRequest) -> Result<EgressInfo, Error> {
        let output = file_output(request.mode, &request.file_key, self.storage.as_ref());
        self.egress
            .start_room_composite_egress(
                &request.room,
                vec![output],
                composite_options(request.mode, self.video_encoding),
            )
            .await
            .map(convert::egress)
            .map_err(translate)
    }

    async fn stop(&self, egress_id: &str) -> Result<EgressInfo, Error> {
        self.egress
            .stop_egress(egress_id)
            .await
            .map(convert::egress)
            .map_err(translate)
    }

    async fn list(
        &self,
        room: Option<String>,
        active_only: bool,
    ) -> Result<Vec<EgressInfo>, Error> {
        let filter = room.map_or(EgressListFilter::All, EgressListFilter::Room);
        let items = self
            .egress
            .list_egress(EgressListOptions {
                filter,
                active: active_only,
                page_token: None,
            })
            .await
            .map_err(translate)?;
        Ok(items.into_iter().map(convert::egress).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_follow_the_mode_and_the_storage() {
        let EgressOutput::File(video) = file_output(RecordingMode::ScreenRecording, "k.mp4", None)
        else {
            panic!("file output");
        };
        assert_eq!(video.file_type, i32::from(proto::EncodedFileType::Mp4));
        assert_eq!(video.filepath, "k.mp4");
        assert!(video.output.is_none());
        let storage = S3Output {
            bucket: "b".to_owned(),
            ..S3Output::default()
        };
        let EgressOutput::File(audio) =
            file_output(RecordingMode::Transcript, "k.ogg", Some(&storage))
        else {
            panic!("file output");
        };
        assert_eq!(audio.file_type, i32::from(proto::EncodedFileType::Ogg));
        assert!(matches!(
            audio.output,
            Some(proto::encoded_file_output::Output::S3(s)) if s.bucket == "b"
        ));
        assert!(composite_options(RecordingMode::Transcript, None).audio_only);
        assert_eq!(
            composite_options(RecordingMode::ScreenRecording, None).layout,
            VIDEO_LAYOUT
        );
        let hd = composite_options(
            RecordingMode::ScreenRecording,
            Some(VideoEncoding::H264720p30),
        );
        assert_eq!((hd.encoding.width, hd.encoding.height), (1280, 720));
        let default = composite_options(RecordingMode::ScreenRecording, None);
        assert_eq!(
            (default.encoding.width, default.encoding.height),
            (1920, 1080)
        );
        assert_eq!(
            VideoEncoding::from_name("h264_1080p_60"),
            Some(VideoEncoding::H2641080p60)
        );
        assert_eq!(VideoEncoding::from_name("vp9"), None);
    }
}

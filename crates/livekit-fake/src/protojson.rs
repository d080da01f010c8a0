//! Protobuf ⇄ protojson transcoding with the schema of the vendored `.proto` files.
//!
//! The Go Twirp server unmarshals JSON requests with `protojson.UnmarshalOptions{DiscardUnknown:
//! true}` (accepting both the JSON camelCase names and the proto snake_case names) and marshals
//! JSON responses with `protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}`:
//! snake_case names, every non-oneof field present (defaults included, unset singular messages as
//! `null`), 64-bit integers as strings and enums by name. This module reproduces both directions
//! by going through [`prost_reflect::DynamicMessage`].

use std::sync::LazyLock;

use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, SerializeOptions,
};
use serde_json::Value;

/// The compiled descriptors of the vendored LiveKit protos.
static POOL: LazyLock<Option<DescriptorPool>> = LazyLock::new(|| {
    DescriptorPool::decode(
        &include_bytes!(concat!(env!("OUT_DIR"), "/livekit_descriptors.bin"))[..],
    )
    .ok()
});

/// The descriptor pool, or `None` if the embedded descriptor set could not be decoded (a build
/// problem: every Twirp call then answers `internal`).
pub(crate) fn pool() -> Option<&'static DescriptorPool> {
    POOL.as_ref()
}

/// Why a body could not be transcoded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CodecError {
    /// The JSON was not valid or did not match the message schema.
    #[error("invalid json: {0}")]
    Json(#[from] serde_json::Error),
    /// The protobuf bytes could not be decoded.
    #[error("invalid protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
}

/// Parses a protojson request body into protobuf bytes of `desc`.
pub(crate) fn json_to_protobuf(
    desc: &MessageDescriptor,
    body: &[u8],
) -> Result<Vec<u8>, CodecError> {
    // Go decodes into a json.RawMessage first: exactly one JSON value, trailing whitespace only.
    let mut de = serde_json::Deserializer::from_slice(body);
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let message = DynamicMessage::deserialize_with_options(desc.clone(), &mut de, &options)?;
    de.end()?;
    Ok(message.encode_to_vec())
}

/// Checks that `body` decodes as a `desc` message.
pub(crate) fn check_protobuf(desc: &MessageDescriptor, body: &[u8]) -> Result<(), CodecError> {
    DynamicMessage::decode(desc.clone(), body)?;
    Ok(())
}

/// Renders protobuf bytes of `desc` as the Go Twirp server's JSON response body.
pub(crate) fn protobuf_to_json(
    desc: &MessageDescriptor,
    bytes: &[u8],
) -> Result<Vec<u8>, CodecError> {
    let message = DynamicMessage::decode(desc.clone(), bytes)?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false);
    let mut value = message.serialize_with_options(serde_json::value::Serializer, &options)?;
    emit_unset_messages_as_null(desc, &mut value);
    Ok(serde_json::to_vec(&value)?)
}

/// Renders a typed message as a Twirp JSON response body (see [`protobuf_to_json`]).
#[cfg(test)]
pub(crate) fn message_to_twirp_json<M: Message>(full_name: &str, message: &M) -> Option<Value> {
    let desc = pool()?.get_message_by_name(full_name)?;
    let bytes = protobuf_to_json(&desc, &message.encode_to_vec()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Go's `EmitUnpopulated` writes unset singular message fields (outside oneofs) as `null`;
/// prost-reflect leaves them out. Walks the value alongside its descriptor and adds them.
fn emit_unset_messages_as_null(desc: &MessageDescriptor, value: &mut Value) {
    if desc.full_name().starts_with("google.protobuf.") {
        return; // well-known types have their own JSON form
    }
    let Value::Object(object) = value else {
        return;
    };
    for field in desc.fields() {
        let Kind::Message(child) = field.kind() else {
            continue;
        };
        let name = field.name();
        if field.is_map() {
            let value_kind = child.map_entry_value_field().kind();
            if let (Some(Value::Object(entries)), Kind::Message(value_desc)) =
                (object.get_mut(name), value_kind)
            {
                for entry in entries.values_mut() {
                    emit_unset_messages_as_null(&value_desc, entry);
                }
            }
        } else if field.is_list() {
            if let Some(Value::Array(items)) = object.get_mut(name) {
                for item in items {
                    emit_unset_messages_as_null(&child, item);
                }
            }
        } else if let Some(present) = object.get_mut(name) {
            emit_unset_messages_as_null(&child, present);
        } else if field.containing_oneof().is_none() {
            object.insert(name.to_owned(), Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use livekit_protocol as proto;

    use super::*;

    fn desc(name: &str) -> MessageDescriptor {
        pool()
            .and_then(|p| p.get_message_by_name(name))
            .expect("descriptor")
    }

    #[test]
    fn json_requests_accept_camel_and_snake_case_and_ignore_unknown_fields() {
        let d = desc("livekit.CreateRoomRequest");
        let body = br#"{"name":"r","emptyTimeout":30,"max_participants":4,"bogus":1}"#;
        let bytes = json_to_protobuf(&d, body).expect("transcodes");
        let req = proto::CreateRoomRequest::decode(&bytes[..]).expect("decodes");
        assert_eq!(req.name, "r");
        assert_eq!(req.empty_timeout, 30);
        assert_eq!(req.max_participants, 4);
    }

    #[test]
    fn malformed_json_is_rejected() {
        let d = desc("livekit.CreateRoomRequest");
        assert!(json_to_protobuf(&d, b"{").is_err());
        assert!(json_to_protobuf(&d, b"[]").is_err());
        assert!(json_to_protobuf(&d, br#"{"name":5}"#).is_err());
        assert!(json_to_protobuf(&d, b"{} {}").is_err());
    }

    #[test]
    fn json_responses_use_proto_names_with_defaults_and_string_int64() {
        let room = proto::Room {
            sid: "RM_x".into(),
            name: "r".into(),
            creation_time: 1_700_000_000,
            ..Default::default()
        };
        let json = message_to_twirp_json("livekit.Room", &room).expect("json");
        assert_eq!(json["creation_time"], "1700000000");
        assert_eq!(json["metadata"], "");
        assert_eq!(json["num_participants"], 0);
        assert_eq!(json["enabled_codecs"], serde_json::json!([]));
        assert!(json.get("creationTime").is_none());

        let resp = proto::MuteRoomTrackResponse::default();
        let json = message_to_twirp_json("livekit.MuteRoomTrackResponse", &resp).expect("json");
        assert_eq!(json["track"], Value::Null);
    }
}

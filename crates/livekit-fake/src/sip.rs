//! `livekit.SIP`: trunks, dispatch rules and outbound calls, with the request validation and
//! conflict checks of livekit-server's `pkg/service/sip.go` and the protocol's `sip` package.

use std::collections::HashMap;
use std::sync::Arc;

use livekit_protocol as proto;
use proto::sip_dispatch_rule::Rule;

use crate::App;
use crate::auth::Grants;
use crate::ids;
use crate::state::ParticipantSpec;
use crate::twirp::{TwirpError, run};

fn trunk_not_found() -> TwirpError {
    TwirpError::not_found("requested sip trunk does not exist")
}

fn rule_not_found() -> TwirpError {
    TwirpError::not_found("requested sip dispatch rule does not exist")
}

fn not_connected(app: &App) -> Result<(), TwirpError> {
    if app.config.sip_enabled {
        Ok(())
    } else {
        Err(TwirpError::internal("sip not connected (redis required)"))
    }
}

/// Dispatches one SIP method; `None` if the fake does not implement it.
pub(crate) fn handle(
    app: &Arc<App>,
    grants: &Grants,
    method: &str,
    body: &[u8],
) -> Option<Result<Vec<u8>, TwirpError>> {
    Some(match method {
        "CreateSIPInboundTrunk" => run(body, |r| create_inbound_trunk(app, grants, r)),
        "CreateSIPOutboundTrunk" => run(body, |r| create_outbound_trunk(app, grants, r)),
        "GetSIPInboundTrunk" => run(body, |r| get_inbound_trunk(app, grants, &r)),
        "GetSIPOutboundTrunk" => run(body, |r| get_outbound_trunk(app, grants, &r)),
        "ListSIPInboundTrunk" => run(body, |r| list_inbound_trunks(app, grants, &r)),
        "ListSIPOutboundTrunk" => run(body, |r| list_outbound_trunks(app, grants, &r)),
        "DeleteSIPTrunk" => run(body, |r| delete_trunk(app, grants, &r)),
        "CreateSIPDispatchRule" => run(body, |r| create_dispatch_rule(app, grants, r)),
        "ListSIPDispatchRule" => run(body, |r| list_dispatch_rules(app, grants, &r)),
        "DeleteSIPDispatchRule" => run(body, |r| delete_dispatch_rule(app, grants, &r)),
        "CreateSIPParticipant" => run(body, |r| create_participant(app, grants, r)),
        _ => return None,
    })
}

fn invalid(msg: &str) -> TwirpError {
    TwirpError::invalid_argument(msg)
}

fn valid_header(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn validate_headers(
    headers: &HashMap<String, String>,
    to_attributes: &HashMap<String, String>,
    to_headers: &HashMap<String, String>,
) -> Result<(), TwirpError> {
    let bad = headers
        .keys()
        .chain(to_attributes.keys())
        .chain(to_headers.values())
        .find(|h| !valid_header(h));
    match bad {
        Some(h) => Err(invalid(&format!("invalid header name: {h:?}"))),
        None => Ok(()),
    }
}

/// `sip.NormalizeNumber`.
fn normalize_number(number: &str) -> String {
    if number.is_empty() {
        return String::new();
    }
    let looks_like_number = number
        .strip_prefix('+')
        .unwrap_or(number)
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
        && number.len() > usize::from(number.starts_with('+'));
    if !looks_like_number {
        return number.to_owned();
    }
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if digits.starts_with('+') {
        digits
    } else {
        format!("+{digits}")
    }
}

fn print_id(id: &str) -> &str {
    if id.is_empty() { "<new>" } else { id }
}

fn print_numbers(numbers: &[String]) -> String {
    if numbers.is_empty() {
        "<any>".to_owned()
    } else {
        format!("{numbers:?}")
    }
}

/// `sip.ValidateTrunksIter`: inbound trunks may not claim the same number (or both be
/// catch-alls) for the same calling number.
fn validate_inbound_trunks<'a>(
    trunks: impl Iterator<Item = &'a proto::SipInboundTrunkInfo>,
) -> Result<(), TwirpError> {
    let mut by_number: HashMap<String, HashMap<String, &proto::SipInboundTrunkInfo>> =
        HashMap::new();
    for trunk in trunks {
        let numbers = if trunk.numbers.is_empty() {
            vec![String::new()]
        } else {
            trunk.numbers.clone()
        };
        for number in numbers {
            let by_inbound = by_number.entry(number).or_default();
            if trunk.allowed_numbers.is_empty() {
                if let Some(other) = by_inbound.get("") {
                    return Err(invalid(&format!(
                        "Conflicting inbound SIP Trunks: {:?} and {:?}, using the same number(s) {} without AllowedNumbers set",
                        print_id(&trunk.sip_trunk_id),
                        print_id(&other.sip_trunk_id),
                        print_numbers(&trunk.numbers)
                    )));
                }
                by_inbound.insert(String::new(), trunk);
            } else {
                for allowed in &trunk.allowed_numbers {
                    let key = normalize_number(allowed);
                    if let Some(other) = by_inbound.get(&key) {
                        return Err(invalid(&format!(
                            "Conflicting inbound SIP Trunks: {:?} and {:?}, using the same number(s) {} and AllowedNumber {:?}",
                            print_id(&trunk.sip_trunk_id),
                            print_id(&other.sip_trunk_id),
                            print_numbers(&trunk.numbers),
                            allowed
                        )));
                    }
                    by_inbound.insert(key, trunk);
                }
            }
        }
    }
    Ok(())
}

fn create_inbound_trunk(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::CreateSipInboundTrunkRequest,
) -> Result<proto::SipInboundTrunkInfo, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let Some(mut trunk) = req.trunk else {
        return Err(invalid("missing trunk"));
    };
    if !trunk.sip_trunk_id.is_empty() {
        return Err(invalid("trunk id must not be set"));
    }
    let has_auth = !trunk.auth_username.is_empty() || !trunk.auth_password.is_empty();
    if !has_auth && trunk.allowed_addresses.is_empty() && trunk.numbers.is_empty() {
        return Err(invalid(
            "for security, one of the fields must be set: AuthUsername+AuthPassword, AllowedAddresses or Numbers",
        ));
    }
    validate_headers(
        &trunk.headers,
        &trunk.headers_to_attributes,
        &trunk.attributes_to_headers,
    )?;
    app.mutate(|state, _| {
        validate_inbound_trunks(state.inbound_trunks.values().chain(std::iter::once(&trunk)))?;
        trunk.sip_trunk_id = ids::new_id(ids::SIP_TRUNK);
        state
            .inbound_trunks
            .insert(trunk.sip_trunk_id.clone(), trunk.clone());
        Ok(trunk)
    })
}

fn create_outbound_trunk(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::CreateSipOutboundTrunkRequest,
) -> Result<proto::SipOutboundTrunkInfo, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let Some(mut trunk) = req.trunk else {
        return Err(invalid("missing trunk"));
    };
    if !trunk.sip_trunk_id.is_empty() {
        return Err(invalid("trunk id must not be set"));
    }
    if trunk.numbers.is_empty() {
        return Err(invalid("no trunk numbers specified"));
    }
    let address = &trunk.address;
    if address.is_empty() {
        return Err(invalid("no outbound address specified"));
    } else if address.contains("transport=") {
        return Err(invalid(
            "trunk transport should be set as a field, not a URI parameter",
        ));
    } else if address.contains(['@', ';'])
        || address.starts_with("sip:")
        || address.starts_with("sips:")
    {
        return Err(invalid(
            "trunk address should be a hostname or IP, not SIP URI",
        ));
    }
    validate_headers(
        &trunk.headers,
        &trunk.headers_to_attributes,
        &trunk.attributes_to_headers,
    )?;
    trunk.sip_trunk_id = ids::new_id(ids::SIP_TRUNK);
    app.mutate(|state, _| {
        state
            .outbound_trunks
            .insert(trunk.sip_trunk_id.clone(), trunk.clone());
    });
    Ok(trunk)
}

fn get_inbound_trunk(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::GetSipInboundTrunkRequest,
) -> Result<proto::GetSipInboundTrunkResponse, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    if req.sip_trunk_id.is_empty() {
        return Err(invalid("trunk ID is required"));
    }
    let trunk = app.read(|s| s.inbound_trunks.get(&req.sip_trunk_id).cloned());
    Ok(proto::GetSipInboundTrunkResponse {
        trunk: Some(trunk.ok_or_else(trunk_not_found)?),
    })
}

fn get_outbound_trunk(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::GetSipOutboundTrunkRequest,
) -> Result<proto::GetSipOutboundTrunkResponse, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    if req.sip_trunk_id.is_empty() {
        return Err(invalid("trunk ID is required"));
    }
    let trunk = app.read(|s| s.outbound_trunks.get(&req.sip_trunk_id).cloned());
    Ok(proto::GetSipOutboundTrunkResponse {
        trunk: Some(trunk.ok_or_else(trunk_not_found)?),
    })
}

/// `ListSIP*TrunkRequest.Filter`: by id, and by number for trunks that list numbers.
fn trunk_matches(id: &str, numbers: &[String], ids: &[String], wanted: &[String]) -> bool {
    (ids.is_empty() || ids.iter().any(|i| i == id))
        && (wanted.is_empty() || numbers.is_empty() || numbers.iter().any(|n| wanted.contains(n)))
}

fn list_inbound_trunks(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListSipInboundTrunkRequest,
) -> Result<proto::ListSipInboundTrunkResponse, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let items = app.read(|s| {
        s.inbound_trunks
            .values()
            .filter(|t| trunk_matches(&t.sip_trunk_id, &t.numbers, &req.trunk_ids, &req.numbers))
            .cloned()
            .collect()
    });
    Ok(proto::ListSipInboundTrunkResponse { items })
}

fn list_outbound_trunks(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListSipOutboundTrunkRequest,
) -> Result<proto::ListSipOutboundTrunkResponse, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let items = app.read(|s| {
        s.outbound_trunks
            .values()
            .filter(|t| trunk_matches(&t.sip_trunk_id, &t.numbers, &req.trunk_ids, &req.numbers))
            .cloned()
            .collect()
    });
    Ok(proto::ListSipOutboundTrunkResponse { items })
}

fn delete_trunk(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::DeleteSipTrunkRequest,
) -> Result<proto::SipTrunkInfo, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    if req.sip_trunk_id.is_empty() {
        return Err(invalid("trunk ID is required"));
    }
    // The Redis store deletes with HDEL, so an unknown id is not an error.
    app.mutate(|state, _| {
        state.inbound_trunks.remove(&req.sip_trunk_id);
        state.outbound_trunks.remove(&req.sip_trunk_id);
    });
    Ok(proto::SipTrunkInfo {
        sip_trunk_id: req.sip_trunk_id.clone(),
        ..Default::default()
    })
}

fn pin_of(rule: &proto::SipDispatchRuleInfo) -> Option<String> {
    match rule.rule.as_ref()?.rule.as_ref()? {
        Rule::DispatchRuleDirect(r) => Some(r.pin.clone()),
        Rule::DispatchRuleIndividual(r) => Some(r.pin.clone()),
        Rule::DispatchRuleCallee(r) => Some(r.pin.clone()),
    }
}

/// `sip.ValidateDispatchRulesIter`: no two rules for the same trunk + number + PIN.
fn validate_dispatch_rules<'a>(
    rules: impl Iterator<Item = &'a proto::SipDispatchRuleInfo>,
) -> Result<(), TwirpError> {
    let mut seen: HashMap<(String, String, String), &proto::SipDispatchRuleInfo> = HashMap::new();
    for rule in rules {
        let Some(pin) = pin_of(rule) else {
            return Err(invalid("Unsupported SIP Dispatch Rule: <nil>"));
        };
        let trunks = if rule.trunk_ids.is_empty() {
            vec![String::new()]
        } else {
            rule.trunk_ids.clone()
        };
        let numbers = if rule.inbound_numbers.is_empty() {
            vec![String::new()]
        } else {
            rule.inbound_numbers.clone()
        };
        for trunk in &trunks {
            for number in &numbers {
                let key = (pin.clone(), trunk.clone(), normalize_number(number));
                if let Some(other) = seen.get(&key) {
                    return Err(invalid(&format!(
                        "Conflicting SIP Dispatch Rules: same Trunk+Number+PIN combination for for {:?} and {:?}",
                        print_id(&rule.sip_dispatch_rule_id),
                        print_id(&other.sip_dispatch_rule_id)
                    )));
                }
                seen.insert(key, rule);
            }
        }
    }
    Ok(())
}

// The legacy top-level fields are still what most SDKs send.
#[allow(deprecated)]
fn create_dispatch_rule(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::CreateSipDispatchRuleRequest,
) -> Result<proto::SipDispatchRuleInfo, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let mut info = match req.dispatch_rule {
        Some(info) => {
            if !info.sip_dispatch_rule_id.is_empty() {
                return Err(invalid("rule id must not be set"));
            }
            info
        }
        None => proto::SipDispatchRuleInfo {
            rule: req.rule,
            trunk_ids: req.trunk_ids,
            inbound_numbers: req.inbound_numbers,
            hide_phone_number: req.hide_phone_number,
            name: req.name,
            metadata: req.metadata,
            attributes: req.attributes,
            room_preset: req.room_preset,
            room_config: req.room_config,
            ..Default::default()
        },
    };
    if info.rule.is_none() {
        return Err(invalid("missing rule"));
    }
    app.mutate(|state, _| {
        validate_dispatch_rules(state.dispatch_rules.values().chain(std::iter::once(&info)))?;
        info.sip_dispatch_rule_id = ids::new_id(ids::SIP_DISPATCH_RULE);
        state
            .dispatch_rules
            .insert(info.sip_dispatch_rule_id.clone(), info.clone());
        Ok(info)
    })
}

fn list_dispatch_rules(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::ListSipDispatchRuleRequest,
) -> Result<proto::ListSipDispatchRuleResponse, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    let items = app.read(|s| {
        s.dispatch_rules
            .values()
            .filter(|r| {
                req.dispatch_rule_ids.is_empty()
                    || req.dispatch_rule_ids.contains(&r.sip_dispatch_rule_id)
            })
            .filter(|r| {
                req.trunk_ids.is_empty()
                    || r.trunk_ids.is_empty()
                    || r.trunk_ids.iter().any(|t| req.trunk_ids.contains(t))
            })
            .cloned()
            .collect()
    });
    Ok(proto::ListSipDispatchRuleResponse { items })
}

fn delete_dispatch_rule(
    app: &Arc<App>,
    grants: &Grants,
    req: &proto::DeleteSipDispatchRuleRequest,
) -> Result<proto::SipDispatchRuleInfo, TwirpError> {
    grants.ensure_sip_admin()?;
    not_connected(app)?;
    if req.sip_dispatch_rule_id.is_empty() {
        return Err(invalid("dispatch rule ID is required"));
    }
    app.mutate(|state, _| state.dispatch_rules.remove(&req.sip_dispatch_rule_id))
        .ok_or_else(rule_not_found)
}

fn create_participant(
    app: &Arc<App>,
    grants: &Grants,
    req: proto::CreateSipParticipantRequest,
) -> Result<proto::SipParticipantInfo, TwirpError> {
    grants.ensure_sip_call()?;
    not_connected(app)?;
    let trunk = app.read(|s| s.outbound_trunks.get(&req.sip_trunk_id).cloned());
    if trunk.is_none() && req.trunk.is_none() {
        return Err(trunk_not_found());
    }
    if req.sip_call_to.is_empty() {
        return Err(invalid("missing sip call to number"));
    }
    if req.room_name.is_empty() {
        return Err(invalid("missing room name"));
    }
    let identity = if req.participant_identity.is_empty() {
        format!("sip_{}", req.sip_call_to)
    } else {
        req.participant_identity.clone()
    };
    let call_id = ids::new_id(ids::SIP_CALL);
    let mut attributes = req.participant_attributes.clone();
    attributes.insert("sip.callID".to_owned(), call_id.clone());
    attributes.insert("sip.callStatus".to_owned(), "active".to_owned());
    attributes.insert("sip.trunkID".to_owned(), req.sip_trunk_id.clone());
    if !req.hide_phone_number {
        attributes.insert("sip.phoneNumber".to_owned(), req.sip_call_to.clone());
    }
    if let Some(number) = trunk.as_ref().and_then(|t| t.numbers.first()) {
        attributes.insert("sip.trunkPhoneNumber".to_owned(), number.clone());
    }
    let spec = ParticipantSpec {
        identity: identity.clone(),
        name: if req.participant_name.is_empty() {
            format!("Phone {}", req.sip_call_to)
        } else {
            req.participant_name.clone()
        },
        metadata: req.participant_metadata.clone(),
        attributes,
        permission: None,
        kind: proto::participant_info::Kind::Sip,
    };
    let participant = app
        .mutate(|state, events| state.add_participant(&req.room_name, spec, events))
        .map_err(|e| invalid(&e.to_string()))?;
    Ok(proto::SipParticipantInfo {
        participant_id: participant.sid,
        participant_identity: identity,
        room_name: req.room_name,
        sip_call_id: call_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_normalize_like_the_protocol_package() {
        assert_eq!(normalize_number("+1 (555) 123-4567"), "+15551234567");
        assert_eq!(normalize_number("5551234"), "+5551234");
        assert_eq!(normalize_number("alice"), "alice");
        assert_eq!(normalize_number(""), "");
    }

    #[test]
    fn header_names_are_checked() {
        assert!(valid_header("X-Custom_1"));
        assert!(!valid_header("1abc"));
        assert!(!valid_header("bad header"));
    }
}

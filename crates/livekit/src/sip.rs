//! SIP telephony ([`SipGateway`]) on [`LivekitServer`].

use anteroom_domain::Error;
use anteroom_domain::media::{DispatchRule, SipGateway, SipParticipant, SipTrunk};
use async_trait::async_trait;
use livekit_api::services::sip::{
    CreateSIPDispatchRuleOptions, CreateSIPInboundTrunkOptions, CreateSIPOutboundTrunkOptions,
    CreateSIPParticipantOptions, ListSIPDispatchRuleFilter, ListSIPInboundTrunkFilter,
    ListSIPOutboundTrunkFilter,
};
use livekit_protocol as proto;

use crate::error::{translate, translate_with};
use crate::server::LivekitServer;

/// A dispatch rule as the domain sees it. A direct rule gives its room; the per-caller and
/// per-callee kinds (not created by Anteroom) give their room prefix.
fn dispatch_rule(info: proto::SipDispatchRuleInfo) -> DispatchRule {
    use proto::sip_dispatch_rule::Rule;
    let (room, pin) = match info.rule.and_then(|r| r.rule) {
        Some(Rule::DispatchRuleDirect(d)) => (d.room_name, d.pin),
        Some(Rule::DispatchRuleIndividual(i)) => (i.room_prefix, i.pin),
        Some(Rule::DispatchRuleCallee(c)) => (c.room_prefix, c.pin),
        None => (String::new(), String::new()),
    };
    DispatchRule {
        id: info.sip_dispatch_rule_id,
        name: info.name,
        room,
        pin,
    }
}

#[async_trait]
impl SipGateway for LivekitServer {
    /// Creates a `direct` rule (room and PIN) named after `rule.name`; LiveKit's
    /// `already_exists` is [`Error::AlreadyExists`] on `pin`.
    async fn create_dispatch_rule(&self, rule: DispatchRule) -> Result<DispatchRule, Error> {
        let direct =
            proto::sip_dispatch_rule::Rule::DispatchRuleDirect(proto::SipDispatchRuleDirect {
                room_name: rule.room,
                pin: rule.pin,
            });
        let options = CreateSIPDispatchRuleOptions {
            name: rule.name,
            ..CreateSIPDispatchRuleOptions::default()
        };
        Box::pin(self.sip.create_sip_dispatch_rule(direct, options))
            .await
            .map(dispatch_rule)
            .map_err(|e| translate_with(e, "pin"))
    }

    async fn list_dispatch_rules(&self) -> Result<Vec<DispatchRule>, Error> {
        let rules = self
            .sip
            .list_sip_dispatch_rule(ListSIPDispatchRuleFilter::All)
            .await
            .map_err(translate)?;
        Ok(rules.into_iter().map(dispatch_rule).collect())
    }

    async fn delete_dispatch_rule(&self, id: &str) -> Result<(), Error> {
        self.sip
            .delete_sip_dispatch_rule(id)
            .await
            .map(drop)
            .map_err(translate)
    }

    async fn create_trunk(&self, trunk: SipTrunk) -> Result<SipTrunk, Error> {
        if trunk.inbound {
            let info = self
                .sip
                .create_sip_inbound_trunk(
                    trunk.name,
                    trunk.numbers,
                    CreateSIPInboundTrunkOptions::default(),
                )
                .await
                .map_err(translate)?;
            return Ok(SipTrunk {
                id: info.sip_trunk_id,
                name: info.name,
                numbers: info.numbers,
                inbound: true,
                address: None,
            });
        }
        let address = trunk
            .address
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    "address",
                    "an outbound SIP trunk needs the address calls are sent to",
                )
            })?;
        let info = self
            .sip
            .create_sip_outbound_trunk(
                trunk.name,
                address,
                trunk.numbers,
                CreateSIPOutboundTrunkOptions::default(),
            )
            .await
            .map_err(translate)?;
        Ok(SipTrunk {
            id: info.sip_trunk_id,
            name: info.name,
            numbers: info.numbers,
            inbound: false,
            address: Some(info.address),
        })
    }

    async fn list_trunks(&self) -> Result<Vec<SipTrunk>, Error> {
        let inbound = self
            .sip
            .list_sip_inbound_trunk(ListSIPInboundTrunkFilter::All)
            .await
            .map_err(translate)?;
        let outbound = self
            .sip
            .list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
            .await
            .map_err(translate)?;
        let inbound = inbound.into_iter().map(|t| SipTrunk {
            id: t.sip_trunk_id,
            name: t.name,
            numbers: t.numbers,
            inbound: true,
            address: None,
        });
        let outbound = outbound.into_iter().map(|t| SipTrunk {
            id: t.sip_trunk_id,
            name: t.name,
            numbers: t.numbers,
            inbound: false,
            address: Some(t.address),
        });
        Ok(inbound.chain(outbound).collect())
    }

    /// `DeleteSIPTrunk`. LiveKit's store deletes without looking the trunk up, so an unknown
    /// id succeeds rather than giving the port's `NotFound`.
    async fn delete_trunk(&self, id: &str) -> Result<(), Error> {
        self.sip
            .delete_sip_trunk(id)
            .await
            .map(drop)
            .map_err(translate)
    }

    /// Dials without waiting for an answer, so the request timeout applies.
    async fn create_sip_participant(
        &self,
        trunk_id: &str,
        call_to: &str,
        room: &str,
        identity: &str,
    ) -> Result<SipParticipant, Error> {
        let options = CreateSIPParticipantOptions {
            participant_identity: identity.to_owned(),
            ..CreateSIPParticipantOptions::default()
        };
        let info = self
            .sip
            .create_sip_participant(
                trunk_id.to_owned(),
                call_to.to_owned(),
                room.to_owned(),
                options,
                None,
            )
            .await
            .map_err(translate)?;
        Ok(SipParticipant {
            participant_id: info.participant_id,
            identity: info.participant_identity,
            room: info.room_name,
            call_id: info.sip_call_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_rule_kind_and_an_empty_rule() {
        let direct = proto::SipDispatchRuleInfo {
            sip_dispatch_rule_id: "SDR_1".to_owned(),
            name: "SIP_r".to_owned(),
            rule: Some(proto::SipDispatchRule {
                rule: Some(proto::sip_dispatch_rule::Rule::DispatchRuleDirect(
                    proto::SipDispatchRuleDirect {
                        room_name: "r".to_owned(),
                        pin: "1234".to_owned(),
                    },
                )),
            }),
            ..proto::SipDispatchRuleInfo::default()
        };
        let rule = dispatch_rule(direct);
        assert_eq!((rule.room.as_str(), rule.pin.as_str()), ("r", "1234"));
        let empty = dispatch_rule(proto::SipDispatchRuleInfo::default());
        assert!(empty.room.is_empty() && empty.pin.is_empty());
    }
}

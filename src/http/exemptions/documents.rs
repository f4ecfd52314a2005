//! The papers of an exemption from Digital Post, made from the stored exemption and its events:
//! the decision (granted or refused, with the reasons and appeal guidance) and the revocation.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::cpr::mask_digits;
use crate::domain::exemption::ExemptionReason;
use crate::domain::role::EXEMPTION_READERS;
use crate::http::context::audit::Subject;
use crate::http::context::caller::Caller;
use crate::http::documents::{DocumentQuery, Lang, PdfFile, dated, make, respond, sender, time};
use crate::http::error::{ApiError, ApiResult};
use crate::http::exemptions::access::load_visible;
use crate::letters::{Block, Letter};
use crate::store;
use crate::store::events::EventRow;

/// The documents an exemption can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExemptionDocument {
    /// The decision: granted or refused, with its reasons and the appeal guidance.
    Decision,
    /// The revocation of an exemption.
    Revocation,
}

impl ExemptionDocument {
    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionDocument::Decision => "decision",
            ExemptionDocument::Revocation => "revocation",
        }
    }
}

/// A document of an exemption.
#[utoipa::path(
    description = "Roles: clerk (own office), supervisor (all), as reading the exemption; an access like reading it. \
                   `application/pdf` (PDF/A-2a), Danish by default, `?lang=en`. `decision` once decided (granted or \
                   refused: the reasons, who decided and when, the appeal guidance in force), `revocation` once \
                   revoked; otherwise 404. The same exemption version gives the same bytes, and the version is \
                   printed on it. No full CPR number is printed.",
    params(
        ("id" = Uuid, Path, description = "Exemption id"),
        ("kind" = inline(ExemptionDocument), Path, description = "Which document"),
        DocumentQuery
    ),
    responses(
        (status = 200, description = "The document", content_type = "application/pdf", body = PdfFile,
            headers(("Content-Disposition" = String, description = "`inline` with a file name"))),
    )
)]
#[get("/exemptions/{id}/documents/{kind}")]
pub async fn exemption_document(
    caller: Caller,
    path: web::Path<(Uuid, ExemptionDocument)>,
    query: web::Query<DocumentQuery>,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let lang = query.into_inner().lang.unwrap_or_default();
    let vault = caller.state.vault.clone();
    let guidance = caller.state.config.domain.appeal_guidance.clone();
    let made = caller
        .read(EXEMPTION_READERS, move |conn, who, moment, seen| {
            let (row, _) = load_visible(conn, who, id)?;
            let events = store::exemptions::events(conn, id)?;
            let event = |actions: &[&str]| events.iter().rev().find(|e| actions.contains(&e.action.as_str())).cloned();
            let step = match kind {
                ExemptionDocument::Decision => event(&["grant", "refuse"]),
                ExemptionDocument::Revocation => event(&["revoke"]),
            };
            let Some(step) = step else {
                return Err(ApiError::not_found(format!("this exemption has no {} (yet)", kind.as_str())));
            };
            let office = store::offices::find(conn, row.office_id)?.ok_or_else(|| ApiError::internal("office"))?;
            seen.add(who, moment, Subject::Exemption { id, cpr_index: &row.citizen_cpr_index });
            let created = events.iter().rev().find(|e| e.seq == row.version).map_or(step.occurred_at, |e| e.occurred_at);
            let l = |da: &str, en: &str| lang.pick(da, en);
            let masked = mask_digits(&vault.open(&row.citizen_cpr_sealed)?);
            let footer = format!("{} {} · version {}", l("Fritagelse", "Exemption"), id, row.version);
            let mut blocks = vec![Block::Facts(vec![
                (l("Borger", "Citizen"), row.citizen_name.clone()),
                (l("CPR-nummer", "CPR number"), masked),
                (l("Begrundelse for ansøgningen", "Reason given"), reason_label(lang, row.reason)),
                (l("Afgjort af", "Decided by"), decided_by(&step)),
                (l("Dato", "Date"), time(lang, step.occurred_at)),
            ])];
            let title = match (kind, step.action.as_str()) {
                (ExemptionDocument::Decision, "grant") => {
                    blocks.push(Block::Paragraph(l(
                        "Du er fritaget for Digital Post. Breve fra det offentlige sendes til dig med almindelig post.",
                        "You are exempted from Digital Post. Letters from public authorities are sent to you by ordinary post.",
                    )));
                    l("Afgørelse: fritagelse for Digital Post", "Decision: exemption from Digital Post")
                }
                (ExemptionDocument::Decision, _) => {
                    blocks.push(Block::Paragraph(l(
                        "Vi har givet afslag på din ansøgning om fritagelse for Digital Post.",
                        "Your application for exemption from Digital Post has been refused.",
                    )));
                    l("Afgørelse: afslag på fritagelse for Digital Post", "Decision: exemption from Digital Post refused")
                }
                (ExemptionDocument::Revocation, _) => {
                    blocks.push(Block::Paragraph(l(
                        "Din fritagelse for Digital Post er ophævet. Breve fra det offentlige sendes igen til din digitale postkasse.",
                        "Your exemption from Digital Post has been revoked. Letters from public authorities go to your \
                         digital mailbox again.",
                    )));
                    l("Ophævelse af fritagelse for Digital Post", "Revocation of exemption from Digital Post")
                }
            };
            let why = match kind {
                ExemptionDocument::Decision => row.decision_reason.clone(),
                ExemptionDocument::Revocation => row.revoke_reason.clone(),
            };
            if let Some(why) = why {
                blocks.push(Block::Heading(l("Begrundelse", "Reasons")));
                blocks.push(Block::Paragraph(why));
            }
            blocks.push(Block::Heading(l("Klagevejledning", "How to appeal")));
            blocks.push(Block::Paragraph(match lang {
                Lang::Da => guidance.da.clone(),
                Lang::En => guidance.en.clone(),
            }));
            let letter = Letter {
                lang: lang.code(),
                title,
                sender: sender(&office),
                recipient: None,
                dated: dated(lang, &office, crate::domain::clock::copenhagen_day(step.occurred_at)),
                blocks,
                footer,
            };
            let document_id = format!("{id}-v{}-{}-{}", row.version, kind.as_str(), lang.code());
            make(&letter, &document_id, created, format!("exemption-{}-v{}.pdf", kind.as_str(), row.version))
        })
        .await?;
    Ok(respond(made))
}

fn decided_by(e: &EventRow) -> String {
    match &e.actor_office {
        Some(o) => format!("{} ({}, {o})", e.actor_name, e.actor_role),
        None => format!("{} ({})", e.actor_name, e.actor_role),
    }
}

fn reason_label(lang: Lang, r: ExemptionReason) -> String {
    let (da, en) = match r {
        ExemptionReason::Language => ("Sprog", "Language"),
        ExemptionReason::CognitiveDisability => ("Kognitiv funktionsnedsættelse", "Cognitive disability"),
        ExemptionReason::PhysicalDisability => ("Fysisk funktionsnedsættelse", "Physical disability"),
        ExemptionReason::NoDigitalAccess => ("Ingen digital adgang", "No digital access"),
        ExemptionReason::Other => ("Andet", "Other"),
    };
    lang.pick(da, en)
}

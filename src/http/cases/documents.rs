//! The papers of a case, made from the stored case and its events (never from what a client
//! sends): the desk's receipt, the refusal decision, the collection notice, and the two letters
//! of an online order as the posting service prints them. The same case version gives the same
//! bytes: the document's id and date are the version's.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::case::Status;
use crate::domain::cpr::mask_digits;
use crate::domain::refusal::RefusalReason;
use crate::domain::role::CASE_READERS;
use crate::http::cases::access::load_visible;
use crate::http::cases::view::{CaseDocument, HANDOUTS, available};
use crate::http::context::audit::Subject;
use crate::http::context::caller::Caller;
use crate::http::documents::{DocumentQuery, Lang, PdfFile, dated, day, make, respond, sender, time};
use crate::http::error::{ApiError, ApiResult};
use crate::letters::{Block, Letter};
use crate::store;
use crate::store::cases::CaseRow;
use crate::store::events::EventRow;
use crate::store::offices::OfficeRow;
use crate::vault::CprVault;

/// A document of a case.
#[utoipa::path(
    description = "Roles: clerk, bank (own office), supervisor (all), as reading the case; an access like reading it. \
                   `application/pdf` (PDF/A-2a, tagged, fonts embedded), Danish by default, `?lang=en` in English. \
                   Made from the stored case: the same case version gives the same bytes, and the version is printed \
                   on it. 404 for a document the case does not have (yet): `receipt` after a handout at the desk, \
                   `refusal` for a refused case, `collection-notice` for a card held for collection, \
                   `online-letter-1` and `online-letter-2` for an online order. No full CPR number is printed.",
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("kind" = inline(CaseDocument), Path, description = "Which document"),
        DocumentQuery
    ),
    responses(
        (status = 200, description = "The document", content_type = "application/pdf", body = PdfFile,
            headers(("Content-Disposition" = String, description = "`inline` with a file name"))),
    )
)]
#[get("/cases/{id}/documents/{kind}")]
pub async fn case_document(
    caller: Caller,
    path: web::Path<(Uuid, CaseDocument)>,
    query: web::Query<DocumentQuery>,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let lang = query.into_inner().lang.unwrap_or_default();
    let vault = caller.state.vault.clone();
    let made = caller
        .read(CASE_READERS, move |conn, who, moment, seen| {
            let (row, _) = load_visible(conn, who, id)?;
            let events = store::events::for_case(conn, id)?;
            let handed_out = events.iter().any(|e| HANDOUTS.contains(&e.action.as_str()));
            if !available(&row, handed_out).contains(&kind) {
                return Err(ApiError::not_found(format!("this case has no {} (yet)", kind.as_str())));
            }
            let office = store::offices::find(conn, row.office_id)?.ok_or_else(|| ApiError::internal("case office"))?;
            seen.add(who, moment, Subject::Case { id, cpr_index: &row.applicant_cpr_index });
            // The version's own time: the last event's.
            let created = events.iter().rev().find(|e| e.seq == row.version).map_or(row.opened_at, |e| e.occurred_at);
            let letter = compose(kind, lang, &row, &events, &office, &vault, created)?;
            let document_id = format!("{id}-v{}-{}-{}", row.version, kind.as_str(), lang.code());
            let filename = format!("{}-{}-v{}.pdf", row.case_number, kind.as_str(), row.version);
            make(&letter, &document_id, created, filename)
        })
        .await?;
    Ok(respond(made))
}

fn compose(
    kind: CaseDocument,
    lang: Lang,
    row: &CaseRow,
    events: &[EventRow],
    office: &OfficeRow,
    vault: &CprVault,
    created: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Letter> {
    let l = |da: &str, en: &str| lang.pick(da, en);
    let masked = mask_digits(&vault.open(&row.applicant_cpr_sealed)?);
    let address = vec![row.applicant_name.clone(), row.street.clone(), format!("{} {}", row.postal_code, row.city)];
    let mut facts = vec![
        (l("Sag", "Case"), row.case_number.clone()),
        (l("Ansøger", "Applicant"), row.applicant_name.clone()),
        (l("CPR-nummer", "CPR number"), masked),
    ];
    let footer = format!("{} {} · version {}", l("Sag", "Case"), row.case_number, row.version);
    let today = crate::domain::clock::copenhagen_day(created);
    let mut letter = Letter {
        lang: lang.code(),
        title: String::new(),
        sender: sender(office),
        recipient: None,
        dated: dated(lang, office, today),
        blocks: Vec::new(),
        footer,
    };
    match kind {
        CaseDocument::Receipt => {
            letter.title = l("Kvittering for NemID", "NemID receipt");
            facts.push((l("Kontor", "Office"), office.name.clone()));
            if let Some(n) = &row.nemid_number {
                facts.push((l("NemID-nummer (bruger-id)", "NemID number (user ID)"), n.clone()));
            }
            letter.blocks.push(Block::Facts(facts));
            letter.blocks.push(Block::Heading(l("Udleveret", "Handed out")));
            for e in events.iter().filter(|e| HANDOUTS.contains(&e.action.as_str())) {
                let what = match e.action.as_str() {
                    "first-half" => l(
                        "Første halvdel af NemID: bruger-id og midlertidig adgangskode",
                        "The first half of NemID: user ID and temporary password",
                    ),
                    "issue-in-full" => l(
                        "NemID i sin helhed: bruger-id, midlertidig adgangskode og nøglekort",
                        "NemID in full: user ID, temporary password and code card",
                    ),
                    "card-handout" => l("Nyt nøglekort", "A new code card"),
                    "password-handout" => l("Ny midlertidig adgangskode", "A new temporary password"),
                    _ => l("Nøglekortet, hentet på kontoret", "The code card, collected at the office"),
                };
                letter.blocks.push(Block::Paragraph(format!("{what} · {}", time(lang, e.occurred_at))));
            }
            let next = match (row.status, row.second_half_expected_by, row.collect_by) {
                (Status::SecondHalfPosted | Status::BothHalvesPosted, Some(by), _) => Some(format!(
                    "{} {}, {} {}, {} {}.",
                    l("Nøglekortet sendes med posten til", "The code card is posted to"),
                    row.street,
                    row.postal_code,
                    row.city,
                    l("og er fremme senest", "and arrives by"),
                    day(lang, by)
                )),
                (Status::AwaitingCollection, _, Some(by)) => Some(format!(
                    "{} {}, {}, {} {}, {} {}.",
                    l("Nøglekortet kan hentes på", "The code card can be collected at"),
                    office.name,
                    office.street,
                    office.postal_code,
                    office.city,
                    l("senest", "by"),
                    day(lang, by)
                )),
                (Status::FirstHalfIssued, _, _) => Some(l(
                    "Nøglekortet sendes med posten til din adresse i CPR-registret.",
                    "The code card will be posted to your address in the CPR register.",
                )),
                _ => None,
            };
            if let Some(next) = next {
                letter.blocks.push(Block::Heading(l("Det kommer bagefter", "What comes next")));
                letter.blocks.push(Block::Paragraph(next));
            }
            letter.blocks.push(Block::Paragraph(l(
                "Giv aldrig din adgangskode eller dit nøglekort videre til andre.",
                "Never give your password or your code card to anyone.",
            )));
        }
        CaseDocument::Refusal => {
            let refusal = row.refusal.as_ref().ok_or_else(|| ApiError::internal("a refusal without its decision"))?;
            letter.title = l("Afgørelse: afslag på NemID", "Decision: NemID refused");
            letter.recipient = Some(address);
            letter.dated = dated(lang, office, crate::domain::clock::copenhagen_day(refusal.decided_at));
            let by = &refusal.decided_by;
            facts.push((
                l("Afgjort af", "Decided by"),
                match &by.office {
                    Some(o) => format!("{} ({}, {o})", by.name, by.role),
                    None => format!("{} ({})", by.name, by.role),
                },
            ));
            facts.push((l("Afgjort", "Decided"), time(lang, refusal.decided_at)));
            letter.blocks.push(Block::Facts(facts));
            letter.blocks.push(Block::Paragraph(l(
                "Vi har givet afslag på din ansøgning om NemID.",
                "Your application for NemID has been refused.",
            )));
            letter.blocks.push(Block::Heading(l("Begrundelse", "Grounds")));
            for g in &refusal.grounds {
                let rule = match lang {
                    Lang::Da => &g.rule.da,
                    Lang::En => &g.rule.en,
                };
                letter.blocks.push(Block::Paragraph(format!("{}. {rule}", reason_label(lang, g.reason))));
            }
            if let Some(x) = &refusal.explanation {
                letter.blocks.push(Block::Paragraph(format!("{}: {x}", l("Uddybning", "Explanation"))));
            }
            if refusal.exemption_advised {
                letter.blocks.push(Block::Paragraph(l(
                    "Kan du ikke bruge NemID på egen hånd, kan du søge om fritagelse for Digital Post i Borgerservice.",
                    "If you cannot use NemID on your own, you may apply for exemption from Digital Post at a citizen \
                     service centre.",
                )));
            }
            letter.blocks.push(Block::Heading(l("Klagevejledning", "How to appeal")));
            letter.blocks.push(Block::Paragraph(match lang {
                Lang::Da => refusal.appeal_guidance.da.clone(),
                Lang::En => refusal.appeal_guidance.en.clone(),
            }));
        }
        CaseDocument::CollectionNotice => {
            let (Some(held), Some(by)) = (row.held_at, row.collect_by) else {
                return Err(ApiError::internal("a collection notice without its days"));
            };
            letter.title = l("Dit nøglekort ligger klar til afhentning", "Your code card is ready for collection");
            letter.dated = dated(lang, office, crate::domain::clock::copenhagen_day(held));
            letter.blocks.push(Block::Facts(facts));
            letter.blocks.push(Block::Paragraph(format!(
                "{} {}, {}, {} {} {} {}.",
                l("Dit nøglekort kan hentes på", "Your code card can be collected at"),
                office.name,
                office.street,
                office.postal_code,
                office.city,
                l("senest", "by"),
                day(lang, by),
            )));
            letter.blocks.push(Block::Paragraph(l(
                "Medbring gyldig billedlegitimation (pas eller kørekort). Nøglekortet udleveres kun til dig.",
                "Bring valid photo ID (passport or driving licence). The code card is handed only to you.",
            )));
        }
        CaseDocument::OnlineLetter1 | CaseDocument::OnlineLetter2 => {
            let nemid = row.nemid_number.clone().ok_or_else(|| ApiError::internal("an online case without NemID"))?;
            letter.recipient = Some(address);
            let posted = row.second_half_posted_at.unwrap_or(row.opened_at);
            letter.dated = dated(lang, office, crate::domain::clock::copenhagen_day(posted));
            let first = kind == CaseDocument::OnlineLetter1;
            letter.title = if first {
                l("Dit NemID: bruger-id og midlertidig adgangskode", "Your NemID: user ID and temporary password")
            } else {
                l("Dit NemID: nøglekort", "Your NemID: code card")
            };
            facts.retain(|(k, _)| *k != l("CPR-nummer", "CPR number"));
            facts.push((l("Bruger-id (NemID-nummer)", "User ID (NemID number)"), nemid));
            letter.blocks.push(Block::Facts(facts));
            letter.blocks.push(Block::Paragraph(l(
                "Du har bestilt NemID online. Dit NemID sendes i to breve: dette og et brev mere, som kommer hver for sig.",
                "You ordered NemID online. Your NemID is sent in two letters: this one and another, which arrive \
                 separately.",
            )));
            letter.blocks.push(Block::Paragraph(if first {
                l(
                    "Din midlertidige adgangskode er trykt i det forseglede felt nedenfor af postbehandlingen; den \
                     kendes ikke af nogen sagsbehandler. Du skifter den første gang, du logger på.",
                    "Your temporary password is printed in the sealed field below by the posting service; no case \
                     worker knows it. You change it the first time you log on.",
                )
            } else {
                l(
                    "Dit nøglekort ligger i dette brev. Du bruger det sammen med dit bruger-id og din adgangskode, \
                     når du logger på.",
                    "Your code card is enclosed in this letter. You use it with your user ID and password when you \
                     log on.",
                )
            }));
            letter.blocks.push(Block::Paragraph(l(
                "Har du ikke bestilt NemID, så kontakt Borgerservice straks, så spærrer vi det.",
                "If you did not order NemID, contact a citizen service centre at once and we will block it.",
            )));
        }
    }
    Ok(letter)
}

/// The ground as a decision names it.
fn reason_label(lang: Lang, r: RefusalReason) -> String {
    let (da, en) = match r {
        RefusalReason::IdentityNotEstablished => {
            ("Identiteten kunne ikke fastslås", "Identity could not be established")
        }
        RefusalReason::DocumentsInvalid => ("Dokumenterne var ikke gyldige", "The documents were not valid"),
        RefusalReason::UnderAge => ("Ansøgeren er under 15 år", "The applicant is under 15"),
        RefusalReason::CannotUseNemidAlone => {
            ("Ansøgeren kan ikke bruge NemID på egen hånd", "The applicant cannot use NemID on their own")
        }
        RefusalReason::AlreadyHasNemid => ("Ansøgeren har allerede NemID", "The applicant already has NemID"),
        RefusalReason::Other => ("Anden grund", "Another reason"),
    };
    lang.pick(da, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_document_is_named_in_the_url_as_it_names_itself() {
        for d in CaseDocument::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!(d.as_str()));
        }
    }
}

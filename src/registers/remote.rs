//! The production registers: each a base URL answering `POST {base}/lookup` with a JSON body
//! (the CPR number or the document number — in the body, never in a URL a proxy would log) with
//! `200` and the record, or `404` for none. Anything else — another status, a timeout, a body
//! that is not the record — is a failure, and the order is tried again later
//! (docs/OPERATIONS.md "Online orders").

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::config::{ConfigError, RemoteRegisters};
use crate::domain::cpr::Cpr;
use crate::domain::office::Address;
use crate::domain::online::{DocumentRecord, Person};
use crate::registers::{CprRegister, DocumentRegister, Lookup, RegisterError, Registers};
use crate::vault::CprVault;

/// The three registers over one HTTPS client (its client certificate, roots and timeouts).
pub fn registers(cfg: &RemoteRegisters, vault: &Arc<CprVault>) -> Result<Registers, ConfigError> {
    let mut builder = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("nemid-desk/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &cfg.client_identity {
        let pem = std::fs::read(path).map_err(|e| {
            ConfigError::new("REGISTER_CLIENT_IDENTITY", format!("cannot read {}: {e}", path.display()))
        })?;
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            ConfigError::new("REGISTER_CLIENT_IDENTITY", format!("expected a PEM certificate and private key: {e}"))
        })?;
        builder = builder.identity(identity);
    }
    if let Some(path) = &cfg.ca {
        let pem = std::fs::read(path)
            .map_err(|e| ConfigError::new("REGISTER_CA", format!("cannot read {}: {e}", path.display())))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| ConfigError::new("REGISTER_CA", format!("expected PEM certificates: {e}")))?
        {
            builder = builder.add_root_certificate(cert);
        }
    }
    let client =
        builder.build().map_err(|e| ConfigError::new("CPR_REGISTER_URL", format!("cannot build a client: {e}")))?;
    let endpoint = |base: &str| format!("{}/lookup", base.trim_end_matches('/'));
    Ok(Registers {
        cpr: Box::new(RemoteCpr { client: client.clone(), url: endpoint(&cfg.cpr_url) }),
        passports: Box::new(RemoteDocuments {
            client: client.clone(),
            url: endpoint(&cfg.passport_url),
            register: "passport",
            vault: vault.clone(),
        }),
        drivers_licences: Box::new(RemoteDocuments {
            client,
            url: endpoint(&cfg.drivers_licence_url),
            register: "drivers_licence",
            vault: vault.clone(),
        }),
        kind: "remote",
    })
}

struct RemoteCpr {
    client: reqwest::Client,
    url: String,
}

struct RemoteDocuments {
    client: reqwest::Client,
    url: String,
    register: &'static str,
    vault: Arc<CprVault>,
}

#[derive(Deserialize)]
struct PersonAnswer {
    name: String,
    birth_date: NaiveDate,
    alive: bool,
    address: Option<Address>,
    name_address_protection: bool,
}

#[derive(Deserialize)]
struct DocumentAnswer {
    cpr: String,
    expires_on: NaiveDate,
}

/// One look-up: the record, `None` for 404, or why there was no answer.
async fn lookup<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    register: &'static str,
    body: serde_json::Value,
) -> Result<Option<T>, RegisterError> {
    let failed = |reason: String| RegisterError { register, reason };
    let answer = client.post(url).json(&body).send().await.map_err(|e| failed(format!("no answer: {e}")))?;
    match answer.status().as_u16() {
        200 => answer.json::<T>().await.map(Some).map_err(|e| failed(format!("an answer that is not a record: {e}"))),
        404 => Ok(None),
        s => Err(failed(format!("answered {s}"))),
    }
}

impl CprRegister for RemoteCpr {
    fn person<'a>(&'a self, cpr: &'a Cpr) -> Lookup<'a, Option<Person>> {
        Box::pin(async move {
            let found: Option<PersonAnswer> =
                lookup(&self.client, &self.url, "cpr", json!({"cpr": cpr.digits()})).await?;
            Ok(found.map(|p| Person {
                name: p.name,
                birth_date: p.birth_date,
                alive: p.alive,
                address: p.address,
                name_address_protection: p.name_address_protection,
            }))
        })
    }
}

impl DocumentRegister for RemoteDocuments {
    fn document<'a>(&'a self, number: &'a str) -> Lookup<'a, Option<DocumentRecord>> {
        Box::pin(async move {
            let found: Option<DocumentAnswer> =
                lookup(&self.client, &self.url, self.register, json!({"number": number})).await?;
            match found {
                None => Ok(None),
                Some(d) => {
                    let cpr = Cpr::parse(&d.cpr).map_err(|e| RegisterError {
                        register: self.register,
                        reason: format!("the holder's CPR number in the answer {e}"),
                    })?;
                    Ok(Some(DocumentRecord {
                        holder_cpr_index: self.vault.blind(&cpr.digits()),
                        expires_on: d.expires_on,
                    }))
                }
            }
        })
    }
}

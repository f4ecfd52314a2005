//! The claims nemid-desk reads from a token, and how they become an `Identity`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::error::TokenError;
use crate::auth::identity::Identity;
use crate::config::ClaimMap;
use crate::domain::role::Role;

/// The claims of the tokens nemid-desk signs itself (the `token` command, the development
/// sign-in, tests). Verification reads claims through a `ClaimMap` instead.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

/// The value at a claim name or dotted path (`realm_access.roles`). A claim whose name itself
/// contains dots (Entra's `extn.office`) is found first.
fn at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    path.split('.').try_fold(claims, |v, part| v.get(part))
}

/// A string, or each string of an array; anything else is no value.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Who verified claims speak for. Signature, issuer, audience and times are checked before.
///
/// The role comes only from the mapped claim values: none mapped is `NoRole`, two different
/// roles `AmbiguousRole` (both 403); there is no default role.
pub fn identity_from(claims: &Value, map: &ClaimMap) -> Result<Identity, TokenError> {
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
    if sub.trim().is_empty() || sub.len() > 200 {
        return Err(TokenError::BadClaim("sub".into()));
    }
    let name = match at(claims, &map.name_claim) {
        None | Some(Value::Null) => sub,
        Some(Value::String(s)) if s.chars().count() <= 200 && !s.chars().any(char::is_control) => s.as_str(),
        Some(_) => return Err(TokenError::BadClaim(map.name_claim.clone())),
    };
    let values = strings(at(claims, &map.roles_claim));
    let mut roles: Vec<Role> = Vec::new();
    for value in &values {
        if let Some((_, role)) = map.role_map.iter().find(|(v, _)| v == value)
            && !roles.contains(role)
        {
            roles.push(*role);
        }
    }
    let role = match roles.as_slice() {
        [] => return Err(TokenError::NoRole { claim: map.roles_claim.clone() }),
        [one] => *one,
        several => return Err(TokenError::AmbiguousRole(several.iter().map(|r| r.as_str().to_string()).collect())),
    };
    // Only clerks and bank staff work at an office; for the others the claim is not read.
    let office_code = match role.required_office_kind() {
        None => None,
        Some(_) => {
            let offices: Vec<&str> =
                strings(at(claims, &map.office_claim)).into_iter().filter(|o| !o.trim().is_empty()).collect();
            match offices.as_slice() {
                [one] if one.len() <= 40 => Some(one.to_string()),
                _ => return Err(TokenError::NoOffice { claim: map.office_claim.clone(), role: role.as_str() }),
            }
        }
    };
    Ok(Identity { sub: sub.to_string(), name: name.to_string(), role, office_code })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entra() -> ClaimMap {
        ClaimMap {
            roles_claim: "groups".into(),
            role_map: vec![
                ("5f1c-clerks".into(), Role::Clerk),
                ("77aa-supervisors".into(), Role::Supervisor),
                ("9e0d-desk-staff".into(), Role::Clerk),
            ],
            office_claim: "extn.office".into(),
            name_claim: "name".into(),
        }
    }

    #[test]
    fn groups_map_to_one_role_and_the_office_comes_from_its_claim() {
        let c = json!({"sub": "u1", "name": "Karen", "groups": ["x", "5f1c-clerks", "9e0d-desk-staff"], "extn.office": "KBH01"});
        let id = identity_from(&c, &entra()).unwrap();
        assert_eq!((id.role, id.office_code.as_deref(), id.name.as_str()), (Role::Clerk, Some("KBH01"), "Karen"));
        // Keycloak: a nested path, an office as a one-element array (a user attribute mapper).
        let kc = ClaimMap { roles_claim: "realm_access.roles".into(), office_claim: "office".into(), ..entra() };
        let c = json!({"sub": "u2", "realm_access": {"roles": ["77aa-supervisors", "offline_access"]}, "office": []});
        let id = identity_from(&c, &kc).unwrap();
        assert_eq!((id.role, id.office_code, id.name.as_str()), (Role::Supervisor, None, "u2"));
        // A supervisor's office claim, however many values, is not read.
        let c = json!({"sub": "u3", "realm_access": {"roles": ["77aa-supervisors"]}, "office": ["A", "B"]});
        assert_eq!(identity_from(&c, &kc).unwrap().office_code, None);
    }

    #[test]
    fn no_mapped_role_several_roles_and_no_office_are_refused() {
        let none = json!({"sub": "u1", "groups": ["everyone"], "extn.office": "KBH01"});
        assert_eq!(identity_from(&none, &entra()), Err(TokenError::NoRole { claim: "groups".into() }));
        let missing = json!({"sub": "u1"});
        assert!(matches!(identity_from(&missing, &entra()), Err(TokenError::NoRole { .. })));
        let both = json!({"sub": "u1", "groups": ["5f1c-clerks", "77aa-supervisors"], "extn.office": "KBH01"});
        assert!(
            matches!(identity_from(&both, &entra()), Err(TokenError::AmbiguousRole(r)) if r == ["clerk", "supervisor"])
        );
        let no_office = json!({"sub": "u1", "groups": ["5f1c-clerks"]});
        assert!(matches!(identity_from(&no_office, &entra()), Err(TokenError::NoOffice { .. })));
        let two_offices = json!({"sub": "u1", "groups": ["5f1c-clerks"], "extn.office": ["A", "B"]});
        assert!(matches!(identity_from(&two_offices, &entra()), Err(TokenError::NoOffice { .. })));
        // A value is matched exactly: case and prefix matter.
        let near = json!({"sub": "u1", "groups": ["5F1C-CLERKS", "5f1c-clerks-old"], "extn.office": "KBH01"});
        assert!(matches!(identity_from(&near, &entra()), Err(TokenError::NoRole { .. })));
        assert_eq!(
            identity_from(&json!({"groups": ["5f1c-clerks"]}), &entra()),
            Err(TokenError::BadClaim("sub".into()))
        );
    }

    #[test]
    fn static_tokens_read_role_and_office_directly() {
        let c = json!({"sub": "s", "name": "Ada", "role": "admin"});
        assert_eq!(identity_from(&c, &ClaimMap::direct()).unwrap().role, Role::Admin);
        let c = json!({"sub": "s", "name": "Ada", "role": "root"});
        assert!(matches!(identity_from(&c, &ClaimMap::direct()), Err(TokenError::NoRole { .. })));
    }
}

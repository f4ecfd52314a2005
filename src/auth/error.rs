//! Why a token or a sign-in's ID token was not accepted.

/// Why a token was refused; the text goes to the client (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token has the wrong audience")]
    WrongAudience,
    #[error("the token has the wrong issuer")]
    WrongIssuer,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's algorithm does not match its key")]
    WrongAlgorithm,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token lacks the claim `{0}` or it has the wrong type")]
    BadClaim(String),
    #[error("an ID token is not an access token for this API (it has `{0}`)")]
    IdTokenAsAccessToken(&'static str),
    /// 403 from here on: the token is genuine, its holder may not use nemid-desk as they are.
    #[error("no role: none of the values of the claim `{claim}` is mapped to a role of nemid-desk")]
    NoRole { claim: String },
    #[error("several roles ({}): the identity provider must give a user exactly one of nemid-desk's roles", .0.join(", "))]
    AmbiguousRole(Vec<String>),
    #[error("the role `{role}` works at one office, but the claim `{claim}` names none (or several)")]
    NoOffice { claim: String, role: &'static str },
    /// 503: the identity provider's keys could not be read yet.
    #[error("the identity provider's keys are not available yet")]
    ProviderUnavailable,
}

impl TokenError {
    /// Authentic, but not allowed in as it is (403 rather than 401).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, TokenError::NoRole { .. } | TokenError::AmbiguousRole(_) | TokenError::NoOffice { .. })
    }
}

//! Signing staff in through the identity provider (OpenID Connect, authorization code flow with
//! PKCE) in the backend-for-frontend shape: the server exchanges the code and keeps the tokens;
//! the browser gets only the session cookie (`http::context::session`). `GET /api/v1/me` tells
//! any caller, session or token, who they are signed in as.

mod flow;
mod whoami;

pub use flow::configure;
pub use whoami::{__path_me, MeView, me};

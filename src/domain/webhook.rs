//! Webhook rules: which URLs a subscription may have, and when a failed delivery is tried again.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldIssue;

text_enum! {
    /// Where a webhook delivery stands.
    DeliveryStatus {
        /// Queued, being sent, or waiting for its next attempt.
        Pending = "pending",
        /// A 2xx answer was received.
        Delivered = "delivered",
        /// Given up after the retry window.
        Failed = "failed",
    }
}

pub const MAX_URL_LEN: usize = 2048;
pub const MAX_DESCRIPTION_LEN: usize = 500;

/// Checks a subscription URL. `https` only in production; plain `http` is for development
/// receivers on a laptop. Credentials in the URL would be stored and shown in clear, so they
/// are refused; in production, loopback, link-local (cloud metadata) and unspecified address
/// literals are refused too, so a subscription cannot be aimed at the server's own host.
pub fn check_url(field: &str, raw: &str, production: bool, issues: &mut Vec<FieldIssue>) {
    let mut bad = |m: &str| issues.push(FieldIssue::new(field, m));
    if raw.is_empty() || raw.len() > MAX_URL_LEN {
        return bad(&format!("must be 1 to {MAX_URL_LEN} characters"));
    }
    if raw.trim() != raw || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return bad("must not contain spaces or control characters");
    }
    let Ok(url) = url::Url::parse(raw) else {
        return bad("is not an absolute URL");
    };
    match (url.scheme(), production) {
        ("https", _) | ("http", false) => {}
        ("http", true) => return bad("must use https in production"),
        _ => return bad("must be an http(s) URL"),
    }
    let Some(host) = url.host() else {
        return bad("must name a host");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not carry a user name or password");
    }
    if url.fragment().is_some() {
        return bad("must not have a #fragment");
    }
    if production {
        let ip = match host {
            url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
            url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
            url::Host::Domain(d) if is_localhost_name(d) => {
                return bad("must not point at this host in production");
            }
            url::Host::Domain(_) => None,
        };
        if ip.is_some_and(is_internal) {
            bad("must not point at a loopback, link-local or unspecified address in production");
        }
    }
}

/// Addresses a production receiver may not have: loopback, link-local (cloud metadata) and
/// unspecified. Literals are refused at registration; names are checked again each time they are
/// resolved for a delivery (`webhooks::resolver`), so a name cannot be pointed at them later.
/// Private networks stay allowed: a bank's integration may well live on one.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_loopback()
                || a.is_unspecified()
                || a.is_link_local()
                // Alibaba Cloud's metadata service.
                || a.octets() == [100, 100, 100, 200]
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            // IPv4 written as IPv6 (`::ffff:127.0.0.1`), NAT64 (64:ff9b::/96) and 6to4
            // (2002::/16) carry an IPv4 address that is judged as such.
            let embedded = a.to_ipv4_mapped().or_else(|| {
                if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                    Some(std::net::Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32))
                } else if s[0] == 0x2002 {
                    Some(std::net::Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32))
                } else {
                    None
                }
            });
            if let Some(v4) = embedded {
                return is_internal(IpAddr::V4(v4));
            }
            a.is_loopback()
                || a.is_unspecified()
                || is_link_local(ip)
                // AWS's IPv6 metadata service.
                || a == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
        }
    }
}

/// `localhost`, `localhost.` and any `*.localhost` (RFC 6761: they all resolve to loopback).
fn is_localhost_name(d: &str) -> bool {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubles with each further one.
    pub base: Duration,
    /// No single delay is longer than this.
    pub max_delay: Duration,
    /// A delivery still failing this long after it was queued is given up (`failed`).
    pub window: Duration,
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (1-based), with "equal jitter": half the
    /// exponential delay fixed, half random (`jitter` in 0..1), so receivers that recover
    /// together are not hit by every sender at the same instant.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        let exp = self.base.saturating_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Whether another attempt `delay` from now is still inside the window of a delivery queued
    /// `age` ago.
    pub fn retry_allowed(&self, age: Duration, delay: Duration) -> bool {
        age.saturating_add(delay) <= self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(raw: &str, production: bool) -> Vec<FieldIssue> {
        let mut v = Vec::new();
        check_url("url", raw, production, &mut v);
        v
    }

    #[test]
    fn https_is_required_in_production_and_http_allowed_in_development() {
        assert!(issues("https://bank.example/hooks/nemid", true).is_empty());
        assert!(issues("https://bank.example:8443/h?x=1", true).is_empty());
        assert!(issues("http://localhost:9000/h", false).is_empty());
        assert!(issues("http://127.0.0.1:9000/h", false).is_empty());
        assert_eq!(issues("http://bank.example/h", true)[0].message, "must use https in production");
    }

    #[test]
    fn refuses_what_is_not_a_plain_receiver_url() {
        for (raw, production) in [
            ("", false),
            ("bank.example/h", false),
            ("ftp://bank.example/h", false),
            ("javascript:alert(1)", false),
            ("https://user:pw@bank.example/h", false),
            ("https://token@bank.example/h", false),
            ("https://bank.example/h#frag", false),
            (" https://bank.example/h", false),
            ("https://bank.example/a b", false),
            ("https://localhost/h", true),
            ("https://127.0.0.1/h", true),
            ("https://[::1]/h", true),
            ("https://169.254.169.254/latest", true),
            ("https://0.0.0.0/h", true),
            ("https://[fe80::1]/h", true),
            ("https://localhost./h", true),
            ("https://api.localhost/h", true),
            ("https://[::ffff:127.0.0.1]/h", true),
            ("https://[::ffff:169.254.169.254]/h", true),
        ] {
            let v = issues(raw, production);
            assert_eq!(v.len(), 1, "{raw:?} (production {production}) gave {v:?}");
            assert_eq!(v[0].field, "url");
        }
        let long = format!("https://bank.example/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(issues(&long, false).len(), 1);
    }

    #[test]
    fn delays_double_are_capped_and_jittered_within_half() {
        let p = RetryPolicy {
            base: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            window: Duration::from_secs(86_400),
        };
        assert_eq!(p.delay(1, 0.0), Duration::from_millis(2500));
        assert_eq!(p.delay(1, 1.0), Duration::from_secs(5));
        assert_eq!(p.delay(2, 1.0), Duration::from_secs(10));
        assert_eq!(p.delay(4, 1.0), Duration::from_secs(40));
        assert_eq!(p.delay(4, 0.5), Duration::from_secs(30));
        assert_eq!(p.delay(20, 1.0), Duration::from_secs(3600));
        assert_eq!(p.delay(u32::MAX, 1.0), Duration::from_secs(3600));
        assert_eq!(p.delay(1, 7.0), Duration::from_secs(5), "jitter is clamped");
        // Every delay lies in [half, full] of the capped exponential delay.
        for attempt in 1..40 {
            let full = p.delay(attempt, 1.0);
            let low = p.delay(attempt, 0.0);
            assert_eq!(low * 2, full);
            assert!(p.delay(attempt, 0.3) >= low && p.delay(attempt, 0.3) <= full);
        }
    }

    #[test]
    fn the_window_bounds_retries() {
        let p = RetryPolicy {
            base: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            window: Duration::from_secs(86_400),
        };
        assert!(p.retry_allowed(Duration::from_secs(0), Duration::from_secs(5)));
        assert!(p.retry_allowed(Duration::from_secs(86_395), Duration::from_secs(5)));
        assert!(!p.retry_allowed(Duration::from_secs(86_396), Duration::from_secs(5)));
        // A full schedule of attempts inside 24 h: the number of tries a dead receiver gets.
        let (mut age, mut attempts) = (Duration::ZERO, 1u32);
        while p.retry_allowed(age, p.delay(attempts, 1.0)) {
            age += p.delay(attempts, 1.0);
            attempts += 1;
        }
        assert!((25..=40).contains(&attempts), "{attempts} attempts in 24 h");
    }
}

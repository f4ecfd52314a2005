//! Name resolution for deliveries in production: a receiver's name is resolved for every
//! connection, and addresses of this host or its link (loopback, link-local such as cloud
//! metadata, unspecified) are dropped, so a name that is re-pointed after registration cannot
//! aim deliveries at them. The check is on the addresses actually connected to, so a name that
//! resolves differently between a check and the connection (DNS rebinding) gains nothing.

use std::net::{SocketAddr, ToSocketAddrs};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhook::is_internal;

pub struct ExternalOnly;

impl Resolve for ExternalOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            // The system resolver blocks, as in reqwest's own default resolver.
            let found = actix_web::rt::task::spawn_blocking(move || {
                (host.as_str(), 0).to_socket_addrs().map(|a| a.collect::<Vec<SocketAddr>>())
            })
            .await??;
            let allowed = external(found);
            if allowed.is_empty() {
                return Err("the receiver's name resolves only to loopback, link-local or unspecified addresses".into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether `url` names its host by an address literal that deliveries may not go to.
pub fn internal_literal(url: &str) -> bool {
    match url::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Ipv4(a)) => is_internal(a.into()),
        Some(url::Host::Ipv6(a)) => is_internal(a.into()),
        _ => false,
    }
}

fn external(found: Vec<SocketAddr>) -> Vec<SocketAddr> {
    found.into_iter().filter(|a| !is_internal(a.ip())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_dropped_and_external_ones_kept() {
        let addrs: Vec<SocketAddr> = [
            "127.0.0.1:0",
            "[::1]:0",
            "169.254.169.254:0",
            "0.0.0.0:0",
            "[::ffff:127.0.0.1]:0",
            "[fe80::1]:0",
            "[fd00:ec2::254]:0",
            "100.100.100.200:0",
            "[64:ff9b::7f00:1]:0",
            "[2002:a9fe:a9fe::]:0",
            "10.1.2.3:0",
            "192.168.1.5:0",
            "93.184.216.34:0",
            "[2001:db8::1]:0",
            "[64:ff9b::5db8:d822]:0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let kept: Vec<String> = external(addrs).iter().map(|a| a.ip().to_string()).collect();
        assert_eq!(kept, ["10.1.2.3", "192.168.1.5", "93.184.216.34", "2001:db8::1", "64:ff9b::5db8:d822"]);
    }

    #[test]
    fn address_literals_are_judged_by_the_same_rule() {
        for url in [
            "https://127.0.0.1/h",
            "https://[::1]:8443/h",
            "https://169.254.169.254/latest",
            "https://[fd00:ec2::254]/",
        ] {
            assert!(internal_literal(url), "{url}");
        }
        for url in ["https://10.0.0.5/h", "https://bank.example/h", "https://[2001:db8::1]/h"] {
            assert!(!internal_literal(url), "{url}");
        }
    }

    #[test]
    fn a_name_of_this_host_does_not_resolve_for_deliveries() {
        // `localhost` resolves to loopback only, as a re-pointed receiver name would.
        let result = actix_web::rt::System::new()
            .block_on(async { ExternalOnly.resolve("localhost".parse().unwrap()).await.map(|a| a.count()) });
        let err = result.expect_err("localhost must not resolve");
        assert!(err.to_string().contains("loopback"), "{err}");
    }
}

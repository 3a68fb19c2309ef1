//! TLS for database rooms, as libpq's `sslmode` and `sslrootcert` say (rustls underneath; no
//! OpenSSL).
//!
//! | `sslmode` | TLS | the server's certificate |
//! | --- | --- | --- |
//! | `disable` | never | — |
//! | `prefer` (the default) | when the server offers it, else plain | not checked |
//! | `require` | always | not checked — unless `sslrootcert` is given: then as `verify-ca` (libpq's rule) |
//! | `verify-ca` | always | signed by a root in `sslrootcert` |
//! | `verify-full` | always | signed by such a root *and* issued to the host in the URL |
//!
//! The roots (`sslrootcert`, as libpq): a PEM file of certificates; `system` for the system's
//! trusted roots; unset, `~/.postgresql/root.crt` — which must then exist for the `verify-*`
//! modes (a verified mode without roots is an error saying what to give, never a silent
//! downgrade). A connection through a Unix socket directory never uses TLS, whatever the mode
//! (libpq does the same: the socket is local and its permissions are the protection).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// `sslmode`: how much TLS a connection insists on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Plain connections only.
    Disable,
    /// TLS when the server offers it; the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is not checked.
    Require,
    /// TLS, and a certificate signed by a trusted root.
    VerifyCa,
    /// TLS, and a certificate signed by a trusted root and issued to the host connected to.
    VerifyFull,
}

impl SslMode {
    /// Reads libpq's words; an unknown one is an error listing them.
    pub(crate) fn parse(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(
                    "sslmode=allow is not supported: use prefer (TLS when the server \
                            offers it) or disable"
                        .to_string(),
                );
            }
            other => {
                return Err(format!(
                    "sslmode={other} is not one of disable, prefer, require, verify-ca, \
                     verify-full"
                ));
            }
        })
    }

    /// The mode as written in a URL.
    pub(crate) fn word(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The mode the driver negotiates with (it knows only whether TLS is wanted).
    pub(crate) fn negotiate(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }
}

/// Where the trusted roots come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Roots {
    /// A PEM file of certificates.
    File(PathBuf),
    /// The system's trusted roots (`sslrootcert=system`).
    System,
}

/// A connection's TLS settings, read from the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tls {
    /// The mode.
    pub(crate) mode: SslMode,
    /// The roots named in the URL, if any.
    pub(crate) roots: Option<Roots>,
}

impl Default for Tls {
    /// libpq's default: `prefer`, no roots named.
    fn default() -> Tls {
        Tls {
            mode: SslMode::Prefer,
            roots: None,
        }
    }
}

impl Tls {
    /// The mode in force: `require` with roots named checks the certificate as `verify-ca`.
    pub(crate) fn effective_mode(&self) -> SslMode {
        match (self.mode, &self.roots) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (m, _) => m,
        }
    }

    /// The rustls configuration for this mode. Errors (in words) when the roots cannot be
    /// read or there are none for a verified mode.
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS cannot be set up: {e}"))?;
        let verifier: Arc<dyn ServerCertVerifier> = match self.effective_mode() {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => {
                Arc::new(Unchecked(Arc::clone(&provider)))
            }
            mode @ (SslMode::VerifyCa | SslMode::VerifyFull) => {
                let roots = Arc::new(self.load_roots(mode)?);
                let webpki =
                    WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
                        .build()
                        .map_err(|e| format!("TLS cannot be set up: {e}"))?;
                if mode == SslMode::VerifyFull {
                    webpki
                } else {
                    Arc::new(AnyName(webpki))
                }
            }
        };
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }

    fn load_roots(&self, mode: SslMode) -> Result<RootCertStore, String> {
        let word = if mode == SslMode::VerifyFull {
            "verify-full"
        } else {
            "verify-ca"
        };
        let mut store = RootCertStore::empty();
        let file = match &self.roots {
            Some(Roots::System) => {
                let found = rustls_native_certs::load_native_certs();
                for cert in found.certs {
                    let _ = store.add(cert);
                }
                if store.is_empty() {
                    return Err(format!(
                        "sslmode={word} with sslrootcert=system, but no trusted roots were \
                         found on this system: give the server's CA with sslrootcert=PATH"
                    ));
                }
                return Ok(store);
            }
            Some(Roots::File(p)) => p.clone(),
            None => {
                let default =
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".postgresql/root.crt"));
                match default {
                    Some(p) if p.is_file() => p,
                    _ => {
                        return Err(format!(
                            "sslmode={word} needs the certificate of the server's CA: add \
                             sslrootcert=PATH (a PEM file) or sslrootcert=system to the URL, \
                             or put it in ~/.postgresql/root.crt"
                        ));
                    }
                }
            }
        };
        let pem = std::fs::read(&file)
            .map_err(|e| format!("sslrootcert {}: cannot read it: {e}", file.display()))?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| bad_pem(&file, &e.to_string()))?;
            store
                .add(cert)
                .map_err(|e| bad_pem(&file, &e.to_string()))?;
        }
        if store.is_empty() {
            return Err(bad_pem(&file, "no certificate in it"));
        }
        Ok(store)
    }
}

fn bad_pem(file: &Path, why: &str) -> String {
    format!(
        "sslrootcert {}: not a PEM file of CA certificates ({why}): give the file holding \
         the `-----BEGIN CERTIFICATE-----` block(s) of the server's CA",
        file.display()
    )
}

/// `prefer` and `require`: the handshake is checked (the session is encrypted with whoever
/// holds the certificate's key), the certificate is not.
struct Unchecked(Arc<CryptoProvider>);

impl fmt::Debug for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unchecked")
    }
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name in the certificate may be any.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The chain, its dates and its revocation are checked before the name: a name error
        // means everything else held.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_libpq_and_require_with_roots_verifies() {
        assert_eq!(SslMode::parse("verify-full"), Ok(SslMode::VerifyFull));
        assert!(SslMode::parse("allow").unwrap_err().contains("prefer"));
        assert!(SslMode::parse("on").unwrap_err().contains("verify-ca"));
        let t = Tls {
            mode: SslMode::Require,
            roots: Some(Roots::System),
        };
        assert_eq!(t.effective_mode(), SslMode::VerifyCa);
        assert_eq!(Tls::default().effective_mode(), SslMode::Prefer);
    }

    #[test]
    fn a_verified_mode_without_roots_says_what_to_give() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tls {
            mode: SslMode::VerifyFull,
            roots: Some(Roots::File(dir.path().join("missing.pem"))),
        };
        let e = t.client_config().unwrap_err();
        assert!(
            e.contains("missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let t = Tls {
            mode: SslMode::VerifyCa,
            roots: Some(Roots::File(junk)),
        };
        let e = t.client_config().unwrap_err();
        assert!(e.contains("BEGIN CERTIFICATE"), "{e}");
    }
}

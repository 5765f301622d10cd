//! Who is calling: the session cookie or the API key, resolved by the appliance, and the
//! CSRF checks every state-changing request passes.
//!
//! Cookie sessions must echo their CSRF token in `X-CSRF-Token` on POST, PUT, PATCH and
//! DELETE; API keys travel in `Authorization`, which a browser never adds by itself, so they
//! need none. Independently, any unsafe request whose `Origin` names another host is refused
//! before it reaches a handler (that covers the sign-in form, which has no session yet).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ErrorCode};
use crate::appliance::{Appliance, Caller, Credential};
use crate::digest::constant_time_eq;
use crate::identity::policy::Grant;

pub const COOKIE: &str = "flexboard_session";
/// Over HTTPS the cookie takes the `__Host-` prefix: Secure, path `/`, no domain.
pub const SECURE_COOKIE: &str = "__Host-flexboard_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

fn unsafe_method(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session token from the request's cookies, if any: only under the name this server
/// sets (`__Host-…` over HTTPS, so a sibling host cannot toss in a cookie of its own), and only
/// when the request carries one value of it. Two different values mean someone planted one:
/// neither is trusted.
pub fn session_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    let wanted = if secure { SECURE_COOKIE } else { COOKIE };
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == wanted)
        .map(|(_, value)| value);
    let first = values.next()?;
    if values.any(|other| other != first) {
        return None;
    }
    Some(first.to_owned())
}

fn credential(headers: &HeaderMap, secure: bool) -> Option<Credential> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| Credential::ApiKey(v.trim().to_owned()));
    bearer.or_else(|| session_token(headers, secure).map(Credential::Session))
}

/// `Set-Cookie` for a new session, or (with `None`) one that clears it.
pub fn session_cookie(app: &Appliance, token: Option<&str>) -> String {
    let secure = app.secure_cookies();
    let name = if secure { SECURE_COOKIE } else { COOKIE };
    let max_age = match token {
        Some(_) => app.session_limits().absolute.as_secs(),
        None => 0,
    };
    format!(
        "{name}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        token.unwrap_or(""),
        if secure { "; Secure" } else { "" }
    )
}

/// An authenticated caller (who may have no tenant selected yet).
pub struct Authed(pub Caller);

/// An authenticated caller and what they may do in their current tenant.
pub struct Granted {
    pub caller: Caller,
    pub grant: Grant,
}

async fn resolve(
    parts: &Parts,
    app: &Arc<Appliance>,
    with_grant: bool,
) -> Result<(Caller, Option<Grant>), ApiError> {
    let credential = credential(&parts.headers, app.secure_cookies()).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unauthorized,
            "sign in first (no session or API key)",
        )
    })?;
    let csrf = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let check_csrf = unsafe_method(&parts.method);
    // A remembered caller is answered from memory; otherwise the store is read on the
    // blocking pool.
    let (caller, grant) = match app.remembered_caller(&credential, with_grant) {
        Some(remembered) => remembered,
        None => {
            let app = Arc::clone(app);
            tokio::task::spawn_blocking(move || app.caller_and_grant(&credential, with_grant))
                .await
                .map_err(|e| ApiError::internal(&e))??
        }
    };
    if check_csrf
        && let Some(expected) = caller.csrf()
        && !csrf.is_some_and(|sent| constant_time_eq(&sent, expected))
    {
        return Err(ApiError::new(
            ErrorCode::CsrfFailed,
            "this request needs the X-CSRF-Token header of your session (reload the page)",
        ));
    }
    Ok((caller, grant))
}

impl FromRequestParts<Arc<Appliance>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<Appliance>,
    ) -> Result<Self, Self::Rejection> {
        let (caller, _) = resolve(parts, app, false).await?;
        Ok(Self(caller))
    }
}

impl FromRequestParts<Arc<Appliance>> for Granted {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<Appliance>,
    ) -> Result<Self, Self::Rejection> {
        let (caller, grant) = resolve(parts, app, true).await?;
        let grant = grant.ok_or_else(|| ApiError::internal(&"no grant resolved"))?;
        Ok(Self { caller, grant })
    }
}

/// Refuses unsafe requests sent from another site: an `Origin` for a different host, or
/// `Sec-Fetch-Site: cross-site`.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if unsafe_method(request.method()) {
        let headers = request.headers();
        // Behind a reverse proxy the browser's host may arrive as `X-Forwarded-Host`. A page
        // of another site cannot set that header on a request without a CORS preflight, which
        // Flexboard never grants, so trusting it here opens nothing.
        let hosts: Vec<&str> = [header::HOST.as_str(), "x-forwarded-host"]
            .iter()
            .filter_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
            .collect();
        let origin_host = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(|origin| origin.split_once("://").map_or(origin, |(_, rest)| rest));
        let cross_origin = match origin_host {
            Some("null") => true,
            Some(origin) => !hosts.iter().any(|host| origin.eq_ignore_ascii_case(host)),
            None => false,
        };
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        if cross_origin || cross_site {
            return ApiError::new(
                ErrorCode::CsrfFailed,
                "cross-site requests may not change anything",
            )
            .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_cookies() {
        let headers = |cookies: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, cookies.parse().unwrap());
            headers
        };
        let plain = headers("theme=dark; flexboard_session=abc123; other=1");
        assert_eq!(session_token(&plain, false).as_deref(), Some("abc123"));
        let prefixed = headers("__Host-flexboard_session=xyz");
        assert_eq!(session_token(&prefixed, true).as_deref(), Some("xyz"));
        assert_eq!(
            session_token(&headers("flexboard_sessionx=no"), false),
            None
        );
    }

    #[test]
    fn over_https_only_the_prefixed_cookie_counts_and_a_tossed_one_voids_both() {
        let mut both = HeaderMap::new();
        both.insert(
            header::COOKIE,
            "flexboard_session=planted; __Host-flexboard_session=real"
                .parse()
                .unwrap(),
        );
        assert_eq!(session_token(&both, true).as_deref(), Some("real"));
        assert_eq!(session_token(&both, false).as_deref(), Some("planted"));
        let mut twice = HeaderMap::new();
        twice.insert(
            header::COOKIE,
            "flexboard_session=planted; flexboard_session=real"
                .parse()
                .unwrap(),
        );
        assert_eq!(session_token(&twice, false), None);
    }
}

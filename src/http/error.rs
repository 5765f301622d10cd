//! The HTTP error type: one code → status table and a stable JSON body `{code, message}`.
//! Internal details are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::appliance::ServiceError;

/// Every error code the API returns. Clients may rely on these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    InvalidRequest,
    InvalidDate,
    AmbiguousPanel,
    NotReady,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    CsrfFailed,
    TooManyAttempts,
    Conflict,
    LimitExceeded,
    PremiumRequired,
    /// An import's rows do not fit the dataset; `details` lists the values by row and column.
    InvalidData,
    RollupRequired,
    QueryTimeout,
    PayloadTooLarge,
    /// A file of a kind the route does not take (a logo that is not an image).
    UnsupportedMediaType,
    /// The workspace's disk quota would be passed.
    QuotaExceeded,
    /// The same work is already running, or requests come too fast; try again later.
    TooManyRequests,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidRequest | Self::InvalidDate => StatusCode::BAD_REQUEST,
            Self::AmbiguousPanel | Self::Conflict => StatusCode::CONFLICT,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfFailed | Self::LimitExceeded | Self::PremiumRequired => {
                StatusCode::FORBIDDEN
            }
            Self::TooManyAttempts | Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::QuotaExceeded => StatusCode::INSUFFICIENT_STORAGE,
            Self::NotReady | Self::QueryTimeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::InvalidData | Self::RollupRequired => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Structured particulars, e.g. the failing values of an import.
    pub details: Option<serde_json::Value>,
    /// Seconds, for `Retry-After` on 429.
    pub retry_after: Option<u64>,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Structured particulars, e.g. the failing values of an import.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub details: Option<serde_json::Value>,
}

impl From<ApiError> for ErrorBody {
    fn from(error: ApiError) -> Self {
        Self {
            code: error.code,
            message: error.message,
            details: error.details,
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// Logs the cause and answers with a message that reveals nothing of it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            "an internal error occurred; the server log has the details",
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match &error {
            ServiceError::NotFound { .. } | ServiceError::NoTenant => {
                Self::new(ErrorCode::NotFound, error.to_string())
            }
            ServiceError::Invalid(_) => Self::new(ErrorCode::InvalidRequest, error.to_string()),
            ServiceError::AmbiguousPanel { .. } => {
                Self::new(ErrorCode::AmbiguousPanel, error.to_string())
            }
            ServiceError::Unauthorized(_) => Self::new(ErrorCode::Unauthorized, error.to_string()),
            ServiceError::InvalidCredentials => {
                Self::new(ErrorCode::InvalidCredentials, error.to_string())
            }
            ServiceError::Forbidden(_) => Self::new(ErrorCode::Forbidden, error.to_string()),
            ServiceError::Throttled { retry_after } => {
                let mut api = Self::new(ErrorCode::TooManyAttempts, error.to_string());
                api.retry_after = Some(crate::appliance::whole_seconds(*retry_after));
                api
            }
            ServiceError::Conflict(_) => Self::new(ErrorCode::Conflict, error.to_string()),
            ServiceError::LimitExceeded(_) => {
                Self::new(ErrorCode::LimitExceeded, error.to_string())
            }
            ServiceError::PremiumRequired(_) => {
                Self::new(ErrorCode::PremiumRequired, error.to_string())
            }
            ServiceError::Import(import) => {
                let mut api = Self::new(ErrorCode::InvalidData, error.to_string());
                if let crate::analytics::ingest::ImportError::BadValues { values, .. } = import {
                    api.details = serde_json::to_value(values).ok();
                }
                api
            }
            ServiceError::RollupRequired(_) => {
                Self::new(ErrorCode::RollupRequired, error.to_string())
            }
            ServiceError::QueryTimeout(_) => Self::new(ErrorCode::QueryTimeout, error.to_string()),
            ServiceError::PayloadTooLarge(_) => {
                Self::new(ErrorCode::PayloadTooLarge, error.to_string())
            }
            ServiceError::UnsupportedMedia(_) => {
                Self::new(ErrorCode::UnsupportedMediaType, error.to_string())
            }
            ServiceError::QuotaExceeded(_) => {
                Self::new(ErrorCode::QuotaExceeded, error.to_string())
            }
            ServiceError::Busy(_) => {
                let mut api = Self::new(ErrorCode::TooManyRequests, error.to_string());
                api.retry_after = Some(5);
                api
            }
            ServiceError::Store(_) | ServiceError::Analytics(_) => Self::internal(&error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after;
        let status = self.code.status();
        let mut response = (status, Json(ErrorBody::from(self))).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

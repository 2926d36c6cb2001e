//! Slow bodies: a request body must arrive in full within `body_timeout_secs` of the request's
//! start. actix-web bounds the time to read the headers (408) but not the body, so a client
//! trickling one byte every few seconds could hold a connection and a worker's attention for as
//! long as it liked. Here the body stream gets a deadline: when it passes, reading the body fails,
//! and whatever the handler made of that failure is replaced by a 408 (the envelope under `/api`,
//! a page elsewhere) with `Connection: close`.
//!
//! A body the handler never reads is bounded too. After the answer, actix-web drains an unread
//! body, without any time limit, before it takes the next request: a chunked body that never
//! ended held its connection forever, on any route (`/healthz` too). So [`hold`], the outermost
//! middleware, keeps the body until the answer has been written; actix-web then sees a body
//! still arriving and closes the connection after the answer instead of draining it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;

use crate::http::error::AppError;

/// The time a body has to arrive in full (app data).
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline(pub Duration);

/// A body stream that fails once its deadline has passed.
struct Deadlined {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadlined {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

/// Whether the request announces a body (a length above zero, or chunks).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// Middleware: puts the deadline on the body, and answers 408 when it passed.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req.app_data::<BodyDeadline>().copied();
    let Some(BodyDeadline(limit)) = limit.filter(|_| has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let expired = Rc::new(Cell::new(false));
    let body = Deadlined {
        inner: req.take_payload(),
        deadline: Box::pin(tokio::time::sleep(limit)),
        expired: expired.clone(),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(boxed));
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_boxed_body());
    }
    tracing::warn!(
        limit_secs = limit.as_secs(),
        "request body too slow; answered 408"
    );
    let (req, _) = res.into_parts();
    let mut answer = AppError::RequestTimeout.error_response_owned();
    answer
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer))
}

/// Middleware, the outermost: keeps the request's body alive until the answer has been written
/// (see the module's notes). The inner layers read it through a shared handle.
pub async fn hold(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !has_body(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let held = Rc::new(RefCell::new(req.take_payload()));
    let shared: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(Shared(held.clone()));
    req.set_payload(Payload::from(shared));
    let res = next.call(req).await?;
    Ok(res.map_body(|_, answer| {
        BoxBody::new(HoldsBody {
            answer: BoxBody::new(answer),
            _request_body: held,
        })
    }))
}

/// The request's body, read through the handle [`hold`] keeps.
struct Shared(Rc<RefCell<Payload>>);

impl Stream for Shared {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

/// An answer's body that keeps the request's body alive until it has been written in full.
struct HoldsBody {
    answer: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldsBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.answer.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.answer).poll_next(cx)
    }
}

//! How handlers talk to Telegram: straight to the Bot API, at the speed of the
//! conversation. Telegram's 30 messages/s is a limit on bulk notifications (the outbox
//! paces those); a reply to someone who just wrote is not throttled. When Telegram does
//! answer 429 for a chat, only that request waits `retry_after` and is sent again — other
//! chats' replies go on. Transient failures (network, 5xx, a timeout) are retried a few
//! times with a short backoff; after that the error fails the handler and the update is
//! retried from the inbox.

use std::future::IntoFuture;
use std::time::Duration;

use futures::future::BoxFuture;
use teloxide::RequestError;
use teloxide::payloads::{
    AnswerCallbackQuery, DeleteMyCommands, EditMessageText, SendMessage, SetMyCommands,
};
use teloxide::prelude::*;
use teloxide::requests::{HasPayload, JsonRequest, Output, Payload, Request};
use teloxide::types::{BotCommand, CallbackQueryId, MessageId, Recipient};

/// The most a reply waits in total for Telegram before it gives up.
const PATIENCE: Duration = Duration::from_secs(30);
/// Retries for a failure that is not a 429.
const TRANSIENT_RETRIES: u32 = 3;

/// The Bot API as handlers use it. Cheap to clone.
#[derive(Clone)]
pub struct TgBot {
    inner: Bot,
}

/// Not derived: teloxide's `Bot` prints its token in `Debug`.
impl std::fmt::Debug for TgBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TgBot").field("api_url", &self.inner.api_url().as_str()).finish_non_exhaustive()
    }
}

impl TgBot {
    pub fn new(bot: Bot) -> Self {
        TgBot { inner: bot }
    }

    pub fn inner(&self) -> &Bot {
        &self.inner
    }

    pub fn send_message<C, T>(&self, chat_id: C, text: T) -> Patient<JsonRequest<SendMessage>>
    where
        C: Into<Recipient>,
        T: Into<String>,
    {
        Patient(self.inner.send_message(chat_id, text))
    }

    pub fn edit_message_text<C, T>(
        &self,
        chat_id: C,
        message_id: MessageId,
        text: T,
    ) -> Patient<JsonRequest<EditMessageText>>
    where
        C: Into<Recipient>,
        T: Into<String>,
    {
        Patient(self.inner.edit_message_text(chat_id, message_id, text))
    }

    pub fn answer_callback_query(&self, id: CallbackQueryId) -> CallbackAnswer {
        CallbackAnswer(Patient(self.inner.answer_callback_query(id)))
    }

    pub fn set_my_commands<C>(&self, commands: C) -> Patient<JsonRequest<SetMyCommands>>
    where
        C: IntoIterator<Item = BotCommand>,
    {
        Patient(self.inner.set_my_commands(commands))
    }

    pub fn delete_my_commands(&self) -> Patient<JsonRequest<DeleteMyCommands>> {
        Patient(self.inner.delete_my_commands())
    }
}

/// A request that waits out a 429 and retries transient failures when awaited. Payload
/// setters (`.reply_markup(…)`, `.secret_token(…)`) work on it as on the inner request.
#[must_use = "a request does nothing until awaited"]
pub struct Patient<R>(R);

impl<R: HasPayload> HasPayload for Patient<R> {
    type Payload = R::Payload;

    fn payload_mut(&mut self) -> &mut Self::Payload {
        self.0.payload_mut()
    }

    fn payload_ref(&self) -> &Self::Payload {
        self.0.payload_ref()
    }
}

impl<R> IntoFuture for Patient<R>
where
    R: Request<Err = RequestError> + Clone + Send + 'static,
    Output<R>: Send,
{
    type Output = Result<Output<R>, RequestError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(send_patiently(self.0))
    }
}

/// The answer to a button press. Telegram takes one answer per press, and only for a
/// while: a second one (the update run again after a crash) or a late one is refused as
/// "query is too old". The answer only stops the button's spinner, so that refusal must
/// not fail the handler.
#[must_use = "a request does nothing until awaited"]
pub struct CallbackAnswer(Patient<JsonRequest<AnswerCallbackQuery>>);

impl HasPayload for CallbackAnswer {
    type Payload = AnswerCallbackQuery;

    fn payload_mut(&mut self) -> &mut Self::Payload {
        self.0.payload_mut()
    }

    fn payload_ref(&self) -> &Self::Payload {
        self.0.payload_ref()
    }
}

impl IntoFuture for CallbackAnswer {
    type Output = Result<teloxide::types::True, RequestError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.0.await {
                Err(e) if is_expired_query(&e) => {
                    tracing::debug!("the press was answered before or is too old; left as it is");
                    Ok(teloxide::types::True)
                }
                other => other,
            }
        })
    }
}

fn is_expired_query(error: &RequestError) -> bool {
    match error {
        RequestError::Api(teloxide::ApiError::InvalidQueryId) => true,
        // Telegram's wording varies in case ("query ID"), which teloxide then calls unknown.
        RequestError::Api(teloxide::ApiError::Unknown(text)) => text.contains("query is too old"),
        _ => false,
    }
}

fn result_label(error: &RequestError) -> &'static str {
    match error {
        RequestError::RetryAfter(_) => "429",
        RequestError::Api(teloxide::ApiError::BotBlocked | teloxide::ApiError::UserDeactivated) => "403",
        RequestError::Api(_) => "refused",
        _ => "error",
    }
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
enum Next {
    Wait(Duration),
    GiveUp,
}

fn next_step(error: &RequestError, transient_failures: u32) -> Next {
    match error {
        RequestError::RetryAfter(after) => Next::Wait(after.duration().max(Duration::from_millis(100))),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. }
            if transient_failures < TRANSIENT_RETRIES =>
        {
            Next::Wait(Duration::from_millis(250) * 2u32.pow(transient_failures))
        }
        _ => Next::GiveUp,
    }
}

async fn send_patiently<R>(request: R) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError> + Clone + Send + 'static,
{
    let method = <R::Payload as Payload>::NAME;
    let started = tokio::time::Instant::now();
    let mut transient_failures = 0;
    loop {
        let error = match request.clone().await {
            Ok(out) => {
                crate::metrics::bot_api_call(method, "ok");
                return Ok(out);
            }
            Err(e) => e,
        };
        crate::metrics::bot_api_call(method, result_label(&error));
        let wait = match next_step(&error, transient_failures) {
            Next::Wait(wait) if started.elapsed() + wait <= PATIENCE => wait,
            _ => return Err(error),
        };
        match &error {
            RequestError::RetryAfter(_) => {
                crate::metrics::bot_api_retry_after();
                tracing::warn!(
                    wait_ms = wait.as_millis() as u64,
                    "Telegram asked this chat to wait; retrying then"
                );
            }
            e => {
                transient_failures += 1;
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "Bot API request failed; retrying");
            }
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::Seconds;

    #[test]
    fn a_press_answered_before_is_not_an_error() {
        let wording = "Bad Request: query is too old and response timeout expired or query ID is invalid";
        assert!(is_expired_query(&RequestError::Api(teloxide::ApiError::InvalidQueryId)));
        assert!(is_expired_query(&RequestError::Api(teloxide::ApiError::Unknown(wording.into()))));
        assert!(!is_expired_query(&RequestError::Api(teloxide::ApiError::MessageNotModified)));
    }

    #[test]
    fn waits_out_a_429_and_retries_transient_failures_a_few_times() {
        let flood = RequestError::RetryAfter(Seconds::from_seconds(3));
        assert_eq!(next_step(&flood, 0), Next::Wait(Duration::from_secs(3)));
        assert_eq!(next_step(&flood, 99), Next::Wait(Duration::from_secs(3)));
        let io = RequestError::Io(std::sync::Arc::new(std::io::Error::other("reset")));
        assert_eq!(next_step(&io, 0), Next::Wait(Duration::from_millis(250)));
        assert_eq!(next_step(&io, 2), Next::Wait(Duration::from_millis(1000)));
        assert_eq!(next_step(&io, 3), Next::GiveUp);
        let refused = RequestError::Api(teloxide::ApiError::MessageNotModified);
        assert_eq!(next_step(&refused, 0), Next::GiveUp);
    }
}

//! Messages rendered with their buttons, for whoever sends them: the bot answering a
//! button, or a job queuing a message through the outbox. Below the use cases, so that both
//! say exactly the same thing.

pub mod payment;

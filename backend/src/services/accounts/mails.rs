//! The accounts context's e-mails, and the jobs that send them.
//!
//! Mail is never sent inside a request: a service enqueues a [`SendMail`] job in the same
//! transaction as the change the mail is about (a sign-up, an invitation), so the mail goes
//! if and only if the change is saved, survives a restart, and is retried when the SMTP
//! server is down. The request's answer and its timing never depend on the mail.

use crate::entities::user;
use crate::error::ServiceResult;
use crate::jobs::{self, Enqueue, Job, JobContext};
use crate::mail::Email;
use crate::services::accounts::tokens::{self, TokenPurpose};
use crate::state::Env;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

/// Sends one e-mail through the configured transport (SMTP, or the dev outbox).
///
/// Runs at least once: if a worker dies between handing the mail to the transport and
/// recording it, the mail goes again — a duplicate rather than a loss.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Job for SendMail {
    const KIND: &'static str = "send_mail";
    const MAX_ATTEMPTS: i32 = 8;

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let to = self.to.clone();
        ctx.state()
            .mailer
            .send(Email {
                to: self.to,
                subject: self.subject,
                body: self.body,
            })
            .await?;
        Ok(serde_json::json!({ "summary": format!("Sent to {to}") }))
    }

    /// The body carries one-time links: once sent (or given up), only the envelope stays.
    fn keep_after_finish(payload: serde_json::Value) -> serde_json::Value {
        serde_json::json!({ "to": payload["to"], "subject": payload["subject"] })
    }
}

impl From<Email> for SendMail {
    fn from(m: Email) -> Self {
        Self {
            to: m.to,
            subject: m.subject,
            body: m.body,
        }
    }
}

/// Queues a mail in the caller's transaction.
///
/// # Errors
/// Database failures.
pub async fn send(db: &impl ConnectionTrait, mail: Email) -> ServiceResult<i64> {
    jobs::enqueue(db, &SendMail::from(mail), Enqueue::now()).await
}

/// Looks the address up and, if it has an account, mails a password reset link. Queued by
/// the request without looking anything up, so neither the answer nor its timing says
/// whether the address is registered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordResetMail {
    /// A checked e-mail address.
    pub email: String,
}

impl Job for PasswordResetMail {
    const KIND: &'static str = "password_reset_mail";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let state = ctx.state();
        let w = state.write().await?;
        let Some(u) = user::Entity::find()
            .filter(user::Column::Email.eq(self.email.as_str()))
            .one(&w)
            .await?
        else {
            return Ok(serde_json::json!({ "summary": "No account: nothing sent" }));
        };
        let token = tokens::issue(&w, u.id, TokenPurpose::ResetPassword).await?;
        // Keyed by this job, so a re-run after a crash does not mail twice.
        jobs::enqueue(
            &w,
            &SendMail::from(password_reset(&state.env.config.base_url, &u.email, &token)),
            Enqueue::now().dedupe(format!("password_reset_mail:{}", ctx.id())),
        )
        .await?;
        w.commit().await?;
        Ok(serde_json::json!({ "summary": "Reset link queued" }))
    }
}

/// Issues a fresh link that confirms `to` for the user, and queues the mail carrying it.
///
/// # Errors
/// Database failures.
pub async fn verification_link(
    db: &impl ConnectionTrait,
    env: &Env,
    user_id: i64,
    to: &str,
) -> ServiceResult<()> {
    let token = tokens::issue(db, user_id, TokenPurpose::VerifyEmail).await?;
    send(db, verification(&env.config.base_url, to, &token)).await?;
    Ok(())
}

/// The link that confirms a new account's address.
pub fn verification(base: &str, to: &str, token: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "Confirm your e-mail address for Anchorlink".into(),
        body: format!(
            "Welcome to Anchorlink.\n\nConfirm your e-mail address by opening this link (valid for 48 hours):\n\n\
             {base}/verify-email?token={token}\n\nIf you did not sign up, ignore this message.\n"
        ),
    }
}

/// To the owner of an address someone tried to sign up with again.
pub fn already_registered(base: &str, to: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "You already have an Anchorlink account".into(),
        body: format!(
            "Someone (probably you) tried to sign up with this address, which already has an account.\n\n\
             Sign in: {base}/login\nForgotten your password? {base}/forgot-password\n"
        ),
    }
}

/// A password reset link.
pub fn password_reset(base: &str, to: &str, token: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "Reset your Anchorlink password".into(),
        body: format!(
            "Choose a new password with this link (valid for 2 hours):\n\n{base}/reset-password?token={token}\n\n\
             If you did not ask for this, ignore this message; your password is unchanged.\n"
        ),
    }
}

/// An invitation to join an organisation.
pub fn invitation(base: &str, to: &str, inviter: &str, organisation: &str, token: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("You are invited to join {organisation} on Anchorlink"),
        body: format!(
            "{inviter} has invited you to join {organisation} on Anchorlink.\n\nAccept (valid for 14 days):\n\n{base}/invitations/{token}\n"
        ),
    }
}

//! Outgoing mail. With `SMTP_URL` set, mail goes through SMTP (lettre); otherwise each
//! message is written as an `.eml` file to the dev outbox folder, where a developer (or a
//! test) can open the verification and reset links.

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;

/// One e-mail to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends mail through SMTP or into the dev outbox.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    /// Mail through an SMTP server given as a URL, e.g. `smtps://user:pass@smtp.example.org`.
    ///
    /// # Errors
    /// The URL or the sender address is not valid.
    pub fn smtp(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build();
        Ok(Self {
            from: from.parse()?,
            transport: Transport::Smtp(transport),
        })
    }

    /// Mail written as `.eml` files into `dir` (created if missing).
    ///
    /// # Errors
    /// The folder cannot be created or the sender address is not valid.
    pub fn outbox(dir: PathBuf, from: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            from: from.parse()?,
            transport: Transport::Outbox(AsyncFileTransport::new(&dir), dir),
        })
    }

    /// Where outbox mail goes, if that is the transport.
    pub fn outbox_dir(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::Outbox(_, dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends one message.
    ///
    /// # Errors
    /// The address is invalid or the transport fails.
    pub async fn send(&self, email: Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Outbox(t, _) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }
}

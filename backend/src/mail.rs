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

// ---- opportunity alerts (issue 12): one message per stable id, with list headers ----

/// A message that may be sent more than once (a retry after a crash between sending and
/// recording it) but must arrive as one: it carries a fixed `Message-ID`, and in the
/// outbox it is written to a file named after that id, so a second send replaces the
/// first instead of adding a copy. Receivers that drop repeated Message-IDs (most mail
/// stores and list software do) see one message over SMTP too.
#[derive(Debug, Clone)]
pub struct ListEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets, e.g. `alert.12.34@anchorlink`; letters, digits, `.`, `-`
    /// and `@` only (it names the outbox file).
    pub message_id: String,
    /// The one-click unsubscribe URL (RFC 8058): sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub unsubscribe_url: String,
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned(),
        ))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(
            Self::name(),
            "List-Unsubscribe=One-Click".to_owned(),
        )
    }
}

impl Mailer {
    /// Sends a [`ListEmail`]; sending the same `message_id` again leaves one message in the
    /// outbox (the file is replaced atomically).
    ///
    /// # Errors
    /// The address or the id is invalid, or the transport fails.
    pub async fn send_list(&self, email: ListEmail) -> anyhow::Result<()> {
        anyhow::ensure!(
            !email.message_id.is_empty()
                && email
                    .message_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@')),
            "message id {:?} has characters it may not",
            email.message_id
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(email.subject)
            .message_id(Some(format!("<{}>", email.message_id)))
            .header(ListUnsubscribe(email.unsubscribe_url))
            .header(ListUnsubscribePost)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Outbox(_, dir) => {
                let name = email.message_id.replace('@', "-at-");
                let path = dir.join(format!("{name}.eml"));
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                // A rename replaces the file whole: a crash leaves the old or the new one.
                tokio::fs::rename(&partial, &path).await?;
            }
        }
        Ok(())
    }
}

//! Teams: members of an organisation, invitations by e-mail, and accepting them.

use super::auth::{insert_user, NewUserRow, PasswordHash};
use super::{audit, crypto, mails, sessions};
use crate::entities::{invitation, organisation, user};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::state::Env;
use chrono::Duration;
use domain::accounts::dto::MemberView;
use domain::accounts::{Actor, Role, UserStatus};
use domain::text::Email;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

const INVITE_DAYS: i64 = 14;

/// An invitation to send.
#[derive(Debug, Clone)]
pub struct Invite {
    pub organisation_id: i64,
    /// The role the invitee will have; it must fit the organisation's kind.
    pub role: Role,
    pub email: String,
}

/// Invites someone to join an organisation; the mailed link lets them choose a password.
/// Active admins invite into any organisation; active members invite colleagues with their
/// own role into their own organisation.
///
/// # Errors
/// `Forbidden`; a bad address or one that already has an account (field `email`).
pub async fn invite(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    input: &Invite,
) -> ServiceResult<()> {
    let org_id = input.organisation_id;
    let own_team =
        actor.is_active() && actor.organisation_id() == Some(org_id) && actor.role == input.role;
    if !(actor.is_active_admin() || own_team) {
        return Err(ServiceError::Forbidden);
    }
    let email =
        Email::parse(&input.email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "email",
            "This person already has an Anchorlink account",
        ));
    }
    let org = organisation::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let inviter = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let token = crypto::random_token();
    let at = now();
    invitation::ActiveModel {
        token_hash: Set(crypto::digest(&token)),
        organisation_id: Set(org_id),
        email: Set(email.as_str().to_owned()),
        role: Set(input.role.slug().to_owned()),
        invited_by: Set(Some(actor.user_id)),
        created_at: Set(at),
        expires_at: Set(at + Duration::days(INVITE_DAYS)),
        accepted_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(db, Some(actor.user_id), "invite", email.as_str(), &org.name).await?;
    mails::send(
        db,
        mails::invitation(
            &env.config.base_url,
            email.as_str(),
            &inviter.email,
            &org.name,
            &token,
        ),
    )
    .await?;
    Ok(())
}

/// A supplier user invites a colleague into its own organisation.
///
/// # Errors
/// As [`invite`]; `Forbidden` for anyone but a supplier user.
pub async fn invite_colleague(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    email: &str,
) -> ServiceResult<()> {
    let org = actor
        .supplier_organisation()
        .ok_or(ServiceError::Forbidden)?;
    invite(
        db,
        env,
        actor,
        &Invite {
            organisation_id: org,
            role: Role::Supplier,
            email: email.to_owned(),
        },
    )
    .await
}

/// The organisation name and address of a live invitation.
///
/// # Errors
/// Unknown, used or expired token.
pub async fn invitation_details(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<(String, String)> {
    let inv = live_invitation(db, token).await?;
    let org = organisation::Entity::find_by_id(inv.organisation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((org.name, inv.email))
}

async fn live_invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<invitation::Model> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(crypto::digest(token.trim())))
        .one(db)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now())
        .ok_or_else(|| ServiceError::field("token", "This invitation is invalid, used or expired"))
}

/// Accepts an invitation: creates the user (verified: the link proved the inbox) and opens
/// a session; returns the session's cookie value.
///
/// # Errors
/// An invalid or used invitation (field `token`).
pub async fn accept_invitation(
    db: &impl ConnectionTrait,
    token: &str,
    display_name: &str,
    password: PasswordHash,
) -> ServiceResult<String> {
    let inv = live_invitation(db, token).await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(inv.email.clone()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "token",
            "This invitation has already been used",
        ));
    }
    let role = Role::from_slug(&inv.role).ok_or_else(|| {
        ServiceError::Unexpected(anyhow::anyhow!(
            "invitation {} has role {:?}",
            inv.id,
            inv.role
        ))
    })?;
    let user_id = insert_user(
        db,
        NewUserRow {
            email: &inv.email,
            password: &password,
            display_name: display_name.trim(),
            role,
            organisation_id: Some(inv.organisation_id),
            status: UserStatus::Active,
            verified: true,
        },
    )
    .await?;
    let email = inv.email.clone();
    let mut accepted: invitation::ActiveModel = inv.into();
    accepted.accepted_at = Set(Some(now()));
    accepted.update(db).await?;
    audit::record(db, Some(user_id), "accept_invitation", &email, "").await?;
    sessions::open_session(db, user_id).await
}

/// The members and pending invitations of the actor's own organisation.
///
/// # Errors
/// `Forbidden` for users without an organisation; database failures.
pub async fn team(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<Vec<MemberView>> {
    let org = actor.organisation_id().ok_or(ServiceError::Forbidden)?;
    members_of(db, org).await
}

/// Members and pending invitations of an organisation (for its own users and admins).
///
/// # Errors
/// Database failures.
pub(super) async fn members_of(
    db: &impl ConnectionTrait,
    org_id: i64,
) -> ServiceResult<Vec<MemberView>> {
    let mut out: Vec<MemberView> = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org_id))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|u| MemberView {
            email: u.email,
            display_name: u.display_name,
            pending: false,
        })
        .collect();
    for inv in invitation::Entity::find()
        .filter(invitation::Column::OrganisationId.eq(org_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .all(db)
        .await?
    {
        out.push(MemberView {
            email: inv.email,
            display_name: String::new(),
            pending: true,
        });
    }
    Ok(out)
}

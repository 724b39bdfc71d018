//! The platform team's console.

use crate::components::{
    flash_notice, form_errors, ErrorSummary, Field, FormScope, Notice, PageCtx,
};
use crate::server_fns::accounts::{
    self, AdminBuyerIdentifier, AdminCreateBuyerOrg, AdminDecide, AdminInviteBuyer,
    AdminSetOrgStatus, AdminVerifyIdentifier,
};
use domain::accounts::OrgStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AdminPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateBuyerOrg>::new();
    let invite = ServerAction::<AdminInviteBuyer>::new();
    let decide = ServerAction::<AdminDecide>::new();
    let verify = ServerAction::<AdminVerifyIdentifier>::new();
    let status = ServerAction::<AdminSetOrgStatus>::new();
    let org_id = ServerAction::<AdminBuyerIdentifier>::new();
    let data = Resource::new(|| (), |()| accounts::get_admin_overview());
    let ctx = PageCtx::get();
    view! {
        <Title text="Admin"/>
        <h1>"Platform administration"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let notice = flash_notice(&flash);
                match data.await {
                    Err(_) => view! { <p>"This page is for the platform team. " <A href="/login?next=/admin">"Sign in"</A></p> }.into_any(),
                    Ok(o) => view! {
                        <Notice text=notice/>
                        <section>
                            <h2>"Buyer access requests"</h2>
                            {o.join_requests.is_empty().then(|| view! { <p>"No requests waiting."</p> })}
                            <ul class="items">
                                {o.join_requests.into_iter().map(|r| view! {
                                    <li>
                                        <span><strong>{r.email.clone()}</strong>{format!(" — {} ({}) {}", r.organisation_name, r.job_title, r.message)}</span>
                                        <ActionForm action=decide attr:class="inline">
                                            <input type="hidden" name="request_id" value=r.id/>
                                            <input type="hidden" name="organisation_id" value=""/>
                                            <button type="submit" name="decision" value="approve" class="button small">"Approve"<span class="visually-hidden">{format!(" {}", r.email)}</span></button>
                                            " "
                                            <button type="submit" name="decision" value="reject" class="button small secondary">"Reject"<span class="visually-hidden">{format!(" {}", r.email)}</span></button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                        <section>
                            <h2>"Buyer organisations"</h2>
                            <FormScope ctx=form_errors("buyer_org", flash.clone())>
                                <ActionForm action=create attr:class="subform">
                                    <ErrorSummary/>
                                    <Field name="name" label="New buyer organisation" hint="For example Preston City Council"/>
                                    <button type="submit" class="button secondary">"Create"</button>
                                </ActionForm>
                            </FormScope>
                            {o.buyer_orgs.into_iter().map(|org| {
                                let form = format!("invite_{}", org.id);
                                let id_form = format!("org_id_{}", org.id);
                                let save_label = format!(" of {}", org.name);
                                let invite_label = format!(" to {}", org.name);
                                let scheme = org.identifier_scheme.clone().unwrap_or_default();
                                let code = org.identifier.clone().unwrap_or_default();
                                let shown = match (&org.identifier_scheme, &org.identifier) {
                                    (Some(s), Some(i)) => format!("Org-id: {s}-{i}"),
                                    _ => "No org-id yet: its tenders' OCDS exports carry no buyer identifier.".to_owned(),
                                };
                                view! {
                                    <h3>{org.name.clone()}</h3>
                                    <ul class="items">
                                        {org.members.into_iter().map(|m| view! { <li>{m.email}{m.pending.then_some(" (invited)")}</li> }).collect_view()}
                                    </ul>
                                    <p>{shown}</p>
                                    <FormScope ctx=form_errors(&id_form, flash.clone())>
                                        <ActionForm action=org_id attr:class="subform">
                                            <ErrorSummary/>
                                            <input type="hidden" name="organisation_id" value=org.id/>
                                            <Field name="identifier_scheme" label="Org-id list" value=scheme hint="From org-id.guide, for example GB-LAE for a council in England, GB-NHS for an NHS trust"/>
                                            <Field name="identifier" label="Code on that list" value=code hint="For example PRE for Preston; leave both blank to remove it"/>
                                            <button type="submit" class="button secondary">"Save org-id"<span class="visually-hidden">{save_label}</span></button>
                                        </ActionForm>
                                    </FormScope>
                                    <FormScope ctx=form_errors(&form, flash.clone())>
                                        <ActionForm action=invite attr:class="subform">
                                            <input type="hidden" name="organisation_id" value=org.id/>
                                            <Field name="email" label="Invite a buyer by e-mail" kind="email"/>
                                            <button type="submit" class="button secondary">"Invite"<span class="visually-hidden">{invite_label}</span></button>
                                        </ActionForm>
                                    </FormScope>
                                }
                            }).collect_view()}
                        </section>
                        <section>
                            <h2>"Suppliers"</h2>
                            <table>
                                <thead><tr><th scope="col">"Supplier"</th><th scope="col">"Status"</th><th scope="col">"Identifiers"</th><th scope="col">"Action"</th></tr></thead>
                                <tbody>
                                    {o.suppliers.into_iter().map(|s| {
                                        let suspended = s.status == OrgStatus::Suspended;
                                        let name = s.name.clone();
                                        view! {
                                            <tr>
                                                <td><A href=format!("/suppliers/{}", s.id)>{name}</A></td>
                                                <td>{format!("{}{}", s.status.slug(), if s.published { ", published" } else { ", draft" })}</td>
                                                <td>
                                                    {s.identifiers.into_iter().map(|i| view! {
                                                        <ActionForm action=verify attr:class="inline">
                                                            <input type="hidden" name="id" value=i.id/>
                                                            <input type="hidden" name="verified" value=(!i.verified).to_string()/>
                                                            {format!("{}-{} ", i.scheme, i.identifier)}
                                                            <button type="submit" class="link-button">
                                                                {if i.verified { "Unverify" } else { "Verify" }}
                                                                <span class="visually-hidden">{format!(" {}-{}", i.scheme, i.identifier)}</span>
                                                            </button>
                                                        </ActionForm>
                                                    }).collect_view()}
                                                </td>
                                                <td>
                                                    <ActionForm action=status attr:class="inline">
                                                        <input type="hidden" name="organisation_id" value=s.id/>
                                                        <input type="hidden" name="suspended" value=(!suspended).to_string()/>
                                                        <button type="submit" class="link-button">
                                                            {if suspended { "Reinstate" } else { "Suspend" }}
                                                            <span class="visually-hidden">{format!(" {}", s.name)}</span>
                                                        </button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section>
                            <h2>"Audit log"</h2>
                            <ul class="items audit">
                                {o.audit.into_iter().map(|a| view! { <li>{format!("{} {} {} {}", a.at, a.actor, a.action, a.subject)}</li> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

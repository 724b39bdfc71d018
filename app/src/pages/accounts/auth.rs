//! Sign-up, e-mail confirmation, sign-in, password reset, invitations, buyer access.

use crate::components::{
    flash_notice, form_errors, legal_form_options, ErrorSummary, Field, FormScope, Notice, PageCtx,
    Select, TextArea,
};
use crate::server_fns::accounts::{
    AcceptInvitation, ConfirmEmail, ForgotPassword, RequestBuyerAccess, ResendVerification,
    ResetPassword, SignIn, SignUp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let ctx = PageCtx::get();
    view! {
        <Title text="Register your organisation"/>
        <h1>"Register your organisation"</h1>
        <p>"Create an account for your co-operative, social enterprise, charity or business. "
           "You will build your profile after confirming your e-mail address."</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                view! {
                    <FormScope ctx=form_errors("sign_up", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <Field name="organisation_name" label="Organisation name" autocomplete="organization" required=true/>
                            <Select name="legal_form" label="What kind of organisation is it?" options=legal_form_options() blank="Choose one"/>
                            <Field name="email" label="Your e-mail address" kind="email" autocomplete="email" required=true/>
                            <Field name="password" label="Choose a password" kind="password" autocomplete="new-password"
                                hint="At least 12 characters. A few unrelated words make a strong password." required=true/>
                            <button type="submit" class="button">"Create account"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
        <p>"Already registered? " <A href="/login">"Sign in"</A></p>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let ctx = PageCtx::get();
    view! {
        <Title text="Check your e-mail"/>
        <h1>"Check your e-mail"</h1>
        <p>"We have sent a link to confirm your e-mail address. Open it to finish creating your account."</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let notice = flash_notice(&flash);
                view! {
                    <Notice text=notice/>
                    <h2>"Not arrived?"</h2>
                    <FormScope ctx=form_errors("resend", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <Field name="email" label="E-mail address" kind="email" autocomplete="email"/>
                            <button type="submit" class="button secondary">"Send the link again"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmail>::new();
    let query = use_query_map();
    let ctx = PageCtx::get();
    view! {
        <Title text="Confirm your e-mail address"/>
        <h1>"Confirm your e-mail address"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
                view! {
                    <FormScope ctx=form_errors("confirm_email", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <input type="hidden" name="token" value=token/>
                            <p>"Press the button to confirm this address belongs to you."</p>
                            <button type="submit" class="button">"Confirm my e-mail address"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let ctx = PageCtx::get();
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let notice = flash_notice(&flash);
                let next = query.with_untracked(|q| q.get("next").unwrap_or_default());
                view! {
                    <Notice text=notice/>
                    <FormScope ctx=form_errors("sign_in", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <input type="hidden" name="next" value=next/>
                            <Field name="email" label="E-mail address" kind="email" autocomplete="username" required=true/>
                            <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true/>
                            <button type="submit" class="button">"Sign in"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
        <p><A href="/forgot-password">"Forgotten your password?"</A></p>
        <p>"New here? " <A href="/signup">"Register your organisation"</A></p>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let ctx = PageCtx::get();
    view! {
        <Title text="Reset your password"/>
        <h1>"Reset your password"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                view! {
                    <FormScope ctx=form_errors("forgot_password", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <Field name="email" label="E-mail address" kind="email" autocomplete="email" required=true/>
                            <button type="submit" class="button">"Send me a reset link"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ResetSentPage() -> impl IntoView {
    view! {
        <Title text="Check your e-mail"/>
        <h1>"Check your e-mail"</h1>
        <p>"If that address has an account, we have sent a link to reset the password. It is valid for 2 hours."</p>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let query = use_query_map();
    let ctx = PageCtx::get();
    view! {
        <Title text="Choose a new password"/>
        <h1>"Choose a new password"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
                view! {
                    <FormScope ctx=form_errors("reset_password", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <input type="hidden" name="token" value=token/>
                            <Field name="password" label="New password" kind="password" autocomplete="new-password"
                                hint="At least 12 characters." required=true/>
                            <button type="submit" class="button">"Change password"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    let params = use_params_map();
    let ctx = PageCtx::get();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let details = Resource::new(token, crate::server_fns::accounts::invitation_info);
    view! {
        <Title text="Accept your invitation"/>
        <h1>"Accept your invitation"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                match details.await {
                    Ok((org, email)) => view! {
                        <p>"You are joining " <strong>{org}</strong> " as " <strong>{email}</strong> "."</p>
                        <FormScope ctx=form_errors("accept_invitation", flash)>
                            <ActionForm action>
                                <ErrorSummary/>
                                <input type="hidden" name="token" value=token()/>
                                <Field name="display_name" label="Your name" autocomplete="name"/>
                                <Field name="password" label="Choose a password" kind="password" autocomplete="new-password"
                                    hint="At least 12 characters." required=true/>
                                <button type="submit" class="button">"Join"</button>
                            </ActionForm>
                        </FormScope>
                    }.into_any(),
                    Err(_) => view! { <p>"This invitation is invalid, used or expired. Ask for a new one."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn BuyerAccessPage() -> impl IntoView {
    let action = ServerAction::<RequestBuyerAccess>::new();
    let ctx = PageCtx::get();
    view! {
        <Title text="Ask for buyer access"/>
        <h1>"Ask for buyer access"</h1>
        <p>"Buyer accounts are for people who buy on behalf of public bodies. The platform team checks each request."</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                view! {
                    <FormScope ctx=form_errors("buyer_access", flash)>
                        <ActionForm action>
                            <ErrorSummary/>
                            <Field name="organisation_name" label="Public body you work for" autocomplete="organization" required=true/>
                            <Field name="job_title" label="Your job title" autocomplete="organization-title"/>
                            <Field name="email" label="Work e-mail address" kind="email" autocomplete="email" required=true/>
                            <Field name="password" label="Choose a password" kind="password" autocomplete="new-password"
                                hint="At least 12 characters." required=true/>
                            <TextArea name="message" label="Anything the platform team should know (optional)"/>
                            <button type="submit" class="button">"Send request"</button>
                        </ActionForm>
                    </FormScope>
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn BuyerRequestedPage() -> impl IntoView {
    view! {
        <Title text="Request sent"/>
        <h1>"Request sent"</h1>
        <p>"Confirm your e-mail address with the link we sent. The platform team will then review your request "
           "and you will be able to sign in and search the registry."</p>
    }
}

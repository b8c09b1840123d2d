//! One constant per catalog entry, named by its activity type, holding its dotted type: what
//! the [`audit!`](crate::audit) macro takes, so that a typo in an activity type is a compile error.
//! Generated from the catalog; `catalog::tests::activity_constants_match_the_catalog` keeps them in step.

/// `authentication.identity.anonymous.failed`: An anonymous user's sign-in with its device key was rejected.
pub const AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED: &str =
    "authentication.identity.anonymous.failed";
/// `authentication.identity.biometric.failed`: A biometric sign-in was rejected, e.g. the device key is unknown or was removed.
pub const AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED: &str =
    "authentication.identity.biometric.failed";
/// `authentication.identity.login_id.failed`: Sign-in was attempted with an email, phone or username that matches no account.
pub const AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED: &str = "authentication.identity.login_id.failed";
/// `authentication.primary.password.failed`: An end user's password was wrong during sign-in.
pub const AUTHENTICATION_PRIMARY_PASSWORD_FAILED: &str = "authentication.primary.password.failed";
/// `authentication.primary.oob_otp_email.failed`: A one-time code or link sent by email was wrong or expired during sign-in.
pub const AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED: &str =
    "authentication.primary.oob_otp_email.failed";
/// `authentication.primary.oob_otp_sms.failed`: A one-time code sent by SMS was wrong or expired during sign-in.
pub const AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED: &str =
    "authentication.primary.oob_otp_sms.failed";
/// `authentication.secondary.password.failed`: The additional password asked for in a two-factor step was wrong.
pub const AUTHENTICATION_SECONDARY_PASSWORD_FAILED: &str =
    "authentication.secondary.password.failed";
/// `authentication.secondary.oob_otp_email.failed`: A two-factor code sent by email was wrong or expired.
pub const AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED: &str =
    "authentication.secondary.oob_otp_email.failed";
/// `authentication.secondary.oob_otp_sms.failed`: A two-factor code sent by SMS was wrong or expired.
pub const AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED: &str =
    "authentication.secondary.oob_otp_sms.failed";
/// `authentication.secondary.recovery_code.failed`: A two-factor recovery code was wrong or had already been used.
pub const AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED: &str =
    "authentication.secondary.recovery_code.failed";
/// `authentication.secondary.totp.failed`: A code from an authenticator app was wrong during a two-factor step.
pub const AUTHENTICATION_SECONDARY_TOTP_FAILED: &str = "authentication.secondary.totp.failed";
/// `identity.biometric.enabled`: A device was registered for biometric sign-in.
pub const IDENTITY_BIOMETRIC_ENABLED: &str = "identity.biometric.enabled";
/// `identity.biometric.disabled`: A device was removed from biometric sign-in.
pub const IDENTITY_BIOMETRIC_DISABLED: &str = "identity.biometric.disabled";
/// `identity.email.added`: An email address was added to a user's sign-in identities.
pub const IDENTITY_EMAIL_ADDED: &str = "identity.email.added";
/// `identity.email.removed`: An email address was removed from a user's sign-in identities.
pub const IDENTITY_EMAIL_REMOVED: &str = "identity.email.removed";
/// `identity.email.updated`: A user's sign-in email address was changed to another one.
pub const IDENTITY_EMAIL_UPDATED: &str = "identity.email.updated";
/// `identity.phone.added`: A phone number was added to a user's sign-in identities.
pub const IDENTITY_PHONE_ADDED: &str = "identity.phone.added";
/// `identity.phone.removed`: A phone number was removed from a user's sign-in identities.
pub const IDENTITY_PHONE_REMOVED: &str = "identity.phone.removed";
/// `identity.phone.updated`: A user's sign-in phone number was changed to another one.
pub const IDENTITY_PHONE_UPDATED: &str = "identity.phone.updated";
/// `identity.username.added`: A username was added to a user's sign-in identities.
pub const IDENTITY_USERNAME_ADDED: &str = "identity.username.added";
/// `identity.username.removed`: A username was removed from a user's sign-in identities.
pub const IDENTITY_USERNAME_REMOVED: &str = "identity.username.removed";
/// `identity.username.updated`: A user's sign-in username was changed to another one.
pub const IDENTITY_USERNAME_UPDATED: &str = "identity.username.updated";
/// `identity.oauth.connected`: A social or enterprise login account was linked to a user.
pub const IDENTITY_OAUTH_CONNECTED: &str = "identity.oauth.connected";
/// `identity.oauth.disconnected`: A social or enterprise login account was unlinked from a user.
pub const IDENTITY_OAUTH_DISCONNECTED: &str = "identity.oauth.disconnected";
/// `user.anonymous.promoted`: An anonymous user became a regular user by adding a sign-in identity.
pub const USER_ANONYMOUS_PROMOTED: &str = "user.anonymous.promoted";
/// `user.authenticated`: A user signed in successfully and a session was issued.
pub const USER_AUTHENTICATED: &str = "user.authenticated";
/// `user.created`: A new user account was created, by sign-up or by an administrator.
pub const USER_CREATED: &str = "user.created";
/// `user.deleted`: A user account was deleted, directly or when its scheduled deletion ran.
pub const USER_DELETED: &str = "user.deleted";
/// `user.deletion_scheduled`: A user account was marked for deletion after a grace period.
pub const USER_DELETION_SCHEDULED: &str = "user.deletion_scheduled";
/// `user.deletion_unscheduled`: A pending deletion of a user account was cancelled.
pub const USER_DELETION_UNSCHEDULED: &str = "user.deletion_unscheduled";
/// `user.disabled`: A user account was disabled, so its owner can no longer sign in.
pub const USER_DISABLED: &str = "user.disabled";
/// `user.profile.updated`: A user's standard or custom profile attributes were changed.
pub const USER_PROFILE_UPDATED: &str = "user.profile.updated";
/// `user.reenabled`: A previously disabled user account can sign in again.
pub const USER_REENABLED: &str = "user.reenabled";
/// `user.session.terminated`: One or more of a user's sessions were ended from settings or by an admin.
pub const USER_SESSION_TERMINATED: &str = "user.session.terminated";
/// `user.signed_out`: A user signed out and the current session was ended.
pub const USER_SIGNED_OUT: &str = "user.signed_out";
/// `whatsapp.otp.verified`: A phone number was confirmed with a code sent over WhatsApp (deprecated type).
pub const WHATSAPP_OTP_VERIFIED: &str = "whatsapp.otp.verified";
/// `sms.sent`: An SMS, such as a one-time code or a notice, was handed to the SMS provider.
pub const SMS_SENT: &str = "sms.sent";
/// `email.sent`: An email, such as a verification code or reset link, was handed to the mail provider.
pub const EMAIL_SENT: &str = "email.sent";
/// `project.app.secret.viewed`: A project administrator revealed secrets such as the Admin API key in the portal.
pub const PROJECT_APP_SECRET_VIEWED: &str = "project.app.secret.viewed";
/// `project.app.updated`: A project administrator changed the project's configuration.
pub const PROJECT_APP_UPDATED: &str = "project.app.updated";
/// `project.billing.checkout.created`: A project administrator started checking out a paid plan.
pub const PROJECT_BILLING_CHECKOUT_CREATED: &str = "project.billing.checkout.created";
/// `project.billing.subscription.cancelled`: The project's paid subscription was cancelled.
pub const PROJECT_BILLING_SUBSCRIPTION_CANCELLED: &str = "project.billing.subscription.cancelled";
/// `project.billing.subscription.status.updated`: The status of the project's subscription changed, e.g. set to end.
pub const PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED: &str =
    "project.billing.subscription.status.updated";
/// `project.billing.subscription.updated`: The project's subscription moved to a different plan.
pub const PROJECT_BILLING_SUBSCRIPTION_UPDATED: &str = "project.billing.subscription.updated";
/// `project.collaborator.deleted`: A collaborator lost administrator access to the project.
pub const PROJECT_COLLABORATOR_DELETED: &str = "project.collaborator.deleted";
/// `project.collaborator.invitation.accepted`: An invitee accepted and became a collaborator on the project.
pub const PROJECT_COLLABORATOR_INVITATION_ACCEPTED: &str =
    "project.collaborator.invitation.accepted";
/// `project.collaborator.invitation.created`: A project administrator invited someone by email to collaborate.
pub const PROJECT_COLLABORATOR_INVITATION_CREATED: &str = "project.collaborator.invitation.created";
/// `project.collaborator.invitation.deleted`: A pending collaborator invitation was withdrawn.
pub const PROJECT_COLLABORATOR_INVITATION_DELETED: &str = "project.collaborator.invitation.deleted";
/// `project.domain.created`: A custom domain was added to the project.
pub const PROJECT_DOMAIN_CREATED: &str = "project.domain.created";
/// `project.domain.deleted`: A custom domain was removed from the project.
pub const PROJECT_DOMAIN_DELETED: &str = "project.domain.deleted";
/// `project.domain.verified`: Ownership of a custom domain was confirmed through DNS.
pub const PROJECT_DOMAIN_VERIFIED: &str = "project.domain.verified";
/// `admin_api.mutation.anonymize_user.executed`: An admin erased a user's personal data through the Admin API.
pub const ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED: &str =
    "admin_api.mutation.anonymize_user.executed";
/// `admin_api.mutation.create_identity.executed`: An admin added a sign-in identity to a user through the Admin API.
pub const ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED: &str =
    "admin_api.mutation.create_identity.executed";
/// `admin_api.mutation.create_session.executed`: An admin opened a session on a user's behalf through the Admin API.
pub const ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED: &str =
    "admin_api.mutation.create_session.executed";
/// `admin_api.mutation.create_user.executed`: An admin created a user account through the Admin API.
pub const ADMIN_API_MUTATION_CREATE_USER_EXECUTED: &str = "admin_api.mutation.create_user.executed";
/// `admin_api.mutation.delete_authenticator.executed`: An admin removed a password, passkey, OTP or TOTP authenticator from a user.
pub const ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED: &str =
    "admin_api.mutation.delete_authenticator.executed";
/// `admin_api.mutation.delete_authorization.executed`: An admin revoked the scopes a user had granted to a client application.
pub const ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED: &str =
    "admin_api.mutation.delete_authorization.executed";
/// `admin_api.mutation.delete_identity.executed`: An admin removed a sign-in identity from a user through the Admin API.
pub const ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED: &str =
    "admin_api.mutation.delete_identity.executed";
/// `admin_api.mutation.delete_user.executed`: An admin deleted a user account through the Admin API.
pub const ADMIN_API_MUTATION_DELETE_USER_EXECUTED: &str = "admin_api.mutation.delete_user.executed";
/// `admin_api.mutation.generate_oob_otp_code.executed`: An admin generated a one-time sign-in or verification code for an email or phone.
pub const ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED: &str =
    "admin_api.mutation.generate_oob_otp_code.executed";
/// `admin_api.mutation.reset_password.executed`: An admin set a new password for a user through the Admin API.
pub const ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED: &str =
    "admin_api.mutation.reset_password.executed";
/// `admin_api.mutation.revoke_all_sessions.executed`: An admin ended every session of a user through the Admin API.
pub const ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED: &str =
    "admin_api.mutation.revoke_all_sessions.executed";
/// `admin_api.mutation.revoke_session.executed`: An admin ended one of a user's sessions through the Admin API.
pub const ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED: &str =
    "admin_api.mutation.revoke_session.executed";
/// `admin_api.mutation.schedule_account_anonymization.executed`: An admin scheduled a user's personal data to be erased later.
pub const ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED: &str =
    "admin_api.mutation.schedule_account_anonymization.executed";
/// `admin_api.mutation.schedule_account_deletion.executed`: An admin scheduled a user account to be deleted later.
pub const ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED: &str =
    "admin_api.mutation.schedule_account_deletion.executed";
/// `admin_api.mutation.send_reset_password_message.executed`: An admin had a password reset link or code sent to a user.
pub const ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED: &str =
    "admin_api.mutation.send_reset_password_message.executed";
/// `admin_api.mutation.set_disabled_status.executed`: An admin disabled or re-enabled a user account through the Admin API.
pub const ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED: &str =
    "admin_api.mutation.set_disabled_status.executed";
/// `admin_api.mutation.set_verified_status.executed`: An admin marked a user's email or phone as verified or unverified.
pub const ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED: &str =
    "admin_api.mutation.set_verified_status.executed";
/// `admin_api.mutation.unschedule_account_anonymization.executed`: An admin cancelled a pending anonymization of a user account.
pub const ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED: &str =
    "admin_api.mutation.unschedule_account_anonymization.executed";
/// `admin_api.mutation.unschedule_account_deletion.executed`: An admin cancelled a pending deletion of a user account.
pub const ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED: &str =
    "admin_api.mutation.unschedule_account_deletion.executed";
/// `admin_api.mutation.update_identity.executed`: An admin changed one of a user's sign-in identities through the Admin API.
pub const ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED: &str =
    "admin_api.mutation.update_identity.executed";
/// `admin_api.mutation.update_user.executed`: An admin changed a user's profile attributes through the Admin API.
pub const ADMIN_API_MUTATION_UPDATE_USER_EXECUTED: &str = "admin_api.mutation.update_user.executed";
/// `user.reauthenticated`: A signed-in user proved their identity again before a sensitive action.
pub const USER_REAUTHENTICATED: &str = "user.reauthenticated";
/// `user.anonymization_scheduled`: A user account was marked to have its personal data erased later.
pub const USER_ANONYMIZATION_SCHEDULED: &str = "user.anonymization_scheduled";
/// `user.anonymization_unscheduled`: A pending anonymization of a user account was cancelled.
pub const USER_ANONYMIZATION_UNSCHEDULED: &str = "user.anonymization_unscheduled";
/// `user.anonymized`: A user's personal data was erased, directly or by a scheduled job.
pub const USER_ANONYMIZED: &str = "user.anonymized";
/// `identity.email.verified`: A user's email address was marked as verified.
pub const IDENTITY_EMAIL_VERIFIED: &str = "identity.email.verified";
/// `identity.email.unverified`: A user's email address lost its verified status.
pub const IDENTITY_EMAIL_UNVERIFIED: &str = "identity.email.unverified";
/// `identity.phone.verified`: A user's phone number was marked as verified.
pub const IDENTITY_PHONE_VERIFIED: &str = "identity.phone.verified";
/// `identity.phone.unverified`: A user's phone number lost its verified status.
pub const IDENTITY_PHONE_UNVERIFIED: &str = "identity.phone.unverified";
/// `identity.username.verified`: A username was marked as verified (possible by format only; not seen in practice).
pub const IDENTITY_USERNAME_VERIFIED: &str = "identity.username.verified";
/// `identity.username.unverified`: A username lost its verified status (possible by format only; not seen in practice).
pub const IDENTITY_USERNAME_UNVERIFIED: &str = "identity.username.unverified";
/// `authentication.blocked`: Sign-in was refused because the account is disabled, locked out or otherwise barred.
pub const AUTHENTICATION_BLOCKED: &str = "authentication.blocked";
/// `bot_protection.verification.failed`: A CAPTCHA or other bot check failed during an authentication flow.
pub const BOT_PROTECTION_VERIFICATION_FAILED: &str = "bot_protection.verification.failed";
/// `rate_limit.blocked`: A request was refused for exceeding a rate limit, e.g. password tries per IP.
pub const RATE_LIMIT_BLOCKED: &str = "rate_limit.blocked";
/// `whatsapp.sent`: A WhatsApp message with a one-time code was handed to the provider.
pub const WHATSAPP_SENT: &str = "whatsapp.sent";
/// `email.error`: The platform failed to deliver an email: the provider returned an error.
pub const EMAIL_ERROR: &str = "email.error";
/// `sms.error`: The platform failed to deliver an SMS: the provider returned an error.
pub const SMS_ERROR: &str = "sms.error";
/// `whatsapp.error`: The platform failed to deliver a WhatsApp message: the provider returned an error.
pub const WHATSAPP_ERROR: &str = "whatsapp.error";
/// `email.suppressed`: An email was not sent, e.g. the address is on a suppression list.
pub const EMAIL_SUPPRESSED: &str = "email.suppressed";
/// `sms.suppressed`: An SMS was not sent, e.g. fraud protection or the provider held it back.
pub const SMS_SUPPRESSED: &str = "sms.suppressed";
/// `whatsapp.suppressed`: A WhatsApp message was not sent, e.g. the number cannot receive it.
pub const WHATSAPP_SUPPRESSED: &str = "whatsapp.suppressed";
/// `fraud_protection.decision_recorded`: Fraud protection allowed or blocked an SMS send and recorded why.
pub const FRAUD_PROTECTION_DECISION_RECORDED: &str = "fraud_protection.decision_recorded";
/// `m2m.token.created`: A machine-to-machine client exchanged its credentials for an access token.
pub const M2M_TOKEN_CREATED: &str = "m2m.token.created";
/// `usage.alert.triggered`: A project's use of a metered feature crossed an alert threshold of its quota.
pub const USAGE_ALERT_TRIGGERED: &str = "usage.alert.triggered";
/// `project.app.created`: A new project was created in the portal.
pub const PROJECT_APP_CREATED: &str = "project.app.created";
/// `admin_api.mutation.create_authenticator.executed`: An admin added a password, TOTP or OTP authenticator to a user.
pub const ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED: &str =
    "admin_api.mutation.create_authenticator.executed";
/// `admin_api.mutation.reset_account_lockout.executed`: An admin cleared a user's lockout after too many failed attempts.
pub const ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED: &str =
    "admin_api.mutation.reset_account_lockout.executed";
/// `admin_api.mutation.set_account_valid_from.executed`: An admin set the date from which a user account may sign in.
pub const ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED: &str =
    "admin_api.mutation.set_account_valid_from.executed";
/// `admin_api.mutation.set_account_valid_until.executed`: An admin set the date after which a user account may no longer sign in.
pub const ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED: &str =
    "admin_api.mutation.set_account_valid_until.executed";
/// `admin_api.mutation.set_account_valid_period.executed`: An admin set both ends of the period in which a user account may sign in.
pub const ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED: &str =
    "admin_api.mutation.set_account_valid_period.executed";
/// `admin_api.mutation.set_password_expired.executed`: An admin marked a user's password as expired, forcing a change at next sign-in.
pub const ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED: &str =
    "admin_api.mutation.set_password_expired.executed";
/// `admin_api.mutation.create_role.executed`: An admin created an access-control role.
pub const ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED: &str = "admin_api.mutation.create_role.executed";
/// `admin_api.mutation.update_role.executed`: An admin changed a role's key, name or description.
pub const ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED: &str = "admin_api.mutation.update_role.executed";
/// `admin_api.mutation.delete_role.executed`: An admin deleted a role, removing it from its users and groups.
pub const ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED: &str = "admin_api.mutation.delete_role.executed";
/// `admin_api.mutation.create_group.executed`: An admin created a user group.
pub const ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED: &str =
    "admin_api.mutation.create_group.executed";
/// `admin_api.mutation.update_group.executed`: An admin changed a group's key, name or description.
pub const ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED: &str =
    "admin_api.mutation.update_group.executed";
/// `admin_api.mutation.delete_group.executed`: An admin deleted a group, removing it from its users and roles.
pub const ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED: &str =
    "admin_api.mutation.delete_group.executed";
/// `admin_api.mutation.add_role_to_users.executed`: An admin granted a role to a set of users.
pub const ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED: &str =
    "admin_api.mutation.add_role_to_users.executed";
/// `admin_api.mutation.remove_role_from_users.executed`: An admin took a role away from a set of users.
pub const ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED: &str =
    "admin_api.mutation.remove_role_from_users.executed";
/// `admin_api.mutation.add_user_to_roles.executed`: An admin granted a set of roles to one user.
pub const ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED: &str =
    "admin_api.mutation.add_user_to_roles.executed";
/// `admin_api.mutation.remove_user_from_roles.executed`: An admin took a set of roles away from one user.
pub const ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED: &str =
    "admin_api.mutation.remove_user_from_roles.executed";
/// `admin_api.mutation.add_group_to_users.executed`: An admin put a set of users into a group.
pub const ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED: &str =
    "admin_api.mutation.add_group_to_users.executed";
/// `admin_api.mutation.remove_group_from_users.executed`: An admin took a set of users out of a group.
pub const ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED: &str =
    "admin_api.mutation.remove_group_from_users.executed";
/// `admin_api.mutation.add_user_to_groups.executed`: An admin put one user into a set of groups.
pub const ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED: &str =
    "admin_api.mutation.add_user_to_groups.executed";
/// `admin_api.mutation.remove_user_from_groups.executed`: An admin took one user out of a set of groups.
pub const ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED: &str =
    "admin_api.mutation.remove_user_from_groups.executed";
/// `admin_api.mutation.add_group_to_roles.executed`: An admin attached a set of roles to a group.
pub const ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED: &str =
    "admin_api.mutation.add_group_to_roles.executed";
/// `admin_api.mutation.remove_group_from_roles.executed`: An admin detached a set of roles from a group.
pub const ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED: &str =
    "admin_api.mutation.remove_group_from_roles.executed";
/// `admin_api.mutation.add_role_to_groups.executed`: An admin attached a role to a set of groups.
pub const ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED: &str =
    "admin_api.mutation.add_role_to_groups.executed";
/// `admin_api.mutation.remove_role_from_groups.executed`: An admin detached a role from a set of groups.
pub const ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED: &str =
    "admin_api.mutation.remove_role_from_groups.executed";
/// `admin_api.mutation.create_resource.executed`: An admin registered an API resource by its URI.
pub const ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED: &str =
    "admin_api.mutation.create_resource.executed";
/// `admin_api.mutation.update_resource.executed`: An admin renamed or otherwise changed an API resource.
pub const ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED: &str =
    "admin_api.mutation.update_resource.executed";
/// `admin_api.mutation.delete_resource.executed`: An admin deleted an API resource and its scopes.
pub const ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED: &str =
    "admin_api.mutation.delete_resource.executed";
/// `admin_api.mutation.create_scope.executed`: An admin defined a new scope on an API resource.
pub const ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED: &str =
    "admin_api.mutation.create_scope.executed";
/// `admin_api.mutation.update_scope.executed`: An admin changed a scope's description.
pub const ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED: &str =
    "admin_api.mutation.update_scope.executed";
/// `admin_api.mutation.delete_scope.executed`: An admin deleted a scope from an API resource.
pub const ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED: &str =
    "admin_api.mutation.delete_scope.executed";
/// `admin_api.mutation.add_resource_to_clientid.executed`: An admin gave a client application access to an API resource.
pub const ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED: &str =
    "admin_api.mutation.add_resource_to_clientid.executed";
/// `admin_api.mutation.remove_resource_from_clientid.executed`: An admin took away a client application's access to an API resource.
pub const ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED: &str =
    "admin_api.mutation.remove_resource_from_clientid.executed";
/// `admin_api.mutation.add_scopes_to_clientid.executed`: An admin granted a client application more scopes on a resource.
pub const ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED: &str =
    "admin_api.mutation.add_scopes_to_clientid.executed";
/// `admin_api.mutation.remove_scopes_from_clientid.executed`: An admin withdrew scopes on a resource from a client application.
pub const ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED: &str =
    "admin_api.mutation.remove_scopes_from_clientid.executed";
/// `admin_api.mutation.replace_scopes_of_clientid.executed`: An admin replaced the scopes a client application holds on a resource.
pub const ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED: &str =
    "admin_api.mutation.replace_scopes_of_clientid.executed";
/// `site_admin.app.plan.updated`: A site administrator moved a project to a different plan.
pub const SITE_ADMIN_APP_PLAN_UPDATED: &str = "site_admin.app.plan.updated";
/// `site_admin.app.feature_config.updated`: A site administrator changed a project's feature limits.
pub const SITE_ADMIN_APP_FEATURE_CONFIG_UPDATED: &str = "site_admin.app.feature_config.updated";
/// `site_admin.app.collaborator.added`: A site administrator added a collaborator to a project.
pub const SITE_ADMIN_APP_COLLABORATOR_ADDED: &str = "site_admin.app.collaborator.added";
/// `site_admin.app.collaborator.deleted`: A site administrator removed a collaborator from a project.
pub const SITE_ADMIN_APP_COLLABORATOR_DELETED: &str = "site_admin.app.collaborator.deleted";
/// `site_admin.app.collaborator.promoted`: A site administrator gave a project collaborator a higher role.
pub const SITE_ADMIN_APP_COLLABORATOR_PROMOTED: &str = "site_admin.app.collaborator.promoted";

/// Every constant, as (activity type, dotted type), in catalog order.
pub const ALL: &[(&str, &str)] = &[
    (
        "AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED",
        AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED,
    ),
    (
        "AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED",
        AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED,
    ),
    (
        "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED",
        AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED,
    ),
    (
        "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
        AUTHENTICATION_PRIMARY_PASSWORD_FAILED,
    ),
    (
        "AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED",
        AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED,
    ),
    (
        "AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED",
        AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED,
    ),
    (
        "AUTHENTICATION_SECONDARY_PASSWORD_FAILED",
        AUTHENTICATION_SECONDARY_PASSWORD_FAILED,
    ),
    (
        "AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED",
        AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED,
    ),
    (
        "AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED",
        AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED,
    ),
    (
        "AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED",
        AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED,
    ),
    (
        "AUTHENTICATION_SECONDARY_TOTP_FAILED",
        AUTHENTICATION_SECONDARY_TOTP_FAILED,
    ),
    ("IDENTITY_BIOMETRIC_ENABLED", IDENTITY_BIOMETRIC_ENABLED),
    ("IDENTITY_BIOMETRIC_DISABLED", IDENTITY_BIOMETRIC_DISABLED),
    ("IDENTITY_EMAIL_ADDED", IDENTITY_EMAIL_ADDED),
    ("IDENTITY_EMAIL_REMOVED", IDENTITY_EMAIL_REMOVED),
    ("IDENTITY_EMAIL_UPDATED", IDENTITY_EMAIL_UPDATED),
    ("IDENTITY_PHONE_ADDED", IDENTITY_PHONE_ADDED),
    ("IDENTITY_PHONE_REMOVED", IDENTITY_PHONE_REMOVED),
    ("IDENTITY_PHONE_UPDATED", IDENTITY_PHONE_UPDATED),
    ("IDENTITY_USERNAME_ADDED", IDENTITY_USERNAME_ADDED),
    ("IDENTITY_USERNAME_REMOVED", IDENTITY_USERNAME_REMOVED),
    ("IDENTITY_USERNAME_UPDATED", IDENTITY_USERNAME_UPDATED),
    ("IDENTITY_OAUTH_CONNECTED", IDENTITY_OAUTH_CONNECTED),
    ("IDENTITY_OAUTH_DISCONNECTED", IDENTITY_OAUTH_DISCONNECTED),
    ("USER_ANONYMOUS_PROMOTED", USER_ANONYMOUS_PROMOTED),
    ("USER_AUTHENTICATED", USER_AUTHENTICATED),
    ("USER_CREATED", USER_CREATED),
    ("USER_DELETED", USER_DELETED),
    ("USER_DELETION_SCHEDULED", USER_DELETION_SCHEDULED),
    ("USER_DELETION_UNSCHEDULED", USER_DELETION_UNSCHEDULED),
    ("USER_DISABLED", USER_DISABLED),
    ("USER_PROFILE_UPDATED", USER_PROFILE_UPDATED),
    ("USER_REENABLED", USER_REENABLED),
    ("USER_SESSION_TERMINATED", USER_SESSION_TERMINATED),
    ("USER_SIGNED_OUT", USER_SIGNED_OUT),
    ("WHATSAPP_OTP_VERIFIED", WHATSAPP_OTP_VERIFIED),
    ("SMS_SENT", SMS_SENT),
    ("EMAIL_SENT", EMAIL_SENT),
    ("PROJECT_APP_SECRET_VIEWED", PROJECT_APP_SECRET_VIEWED),
    ("PROJECT_APP_UPDATED", PROJECT_APP_UPDATED),
    (
        "PROJECT_BILLING_CHECKOUT_CREATED",
        PROJECT_BILLING_CHECKOUT_CREATED,
    ),
    (
        "PROJECT_BILLING_SUBSCRIPTION_CANCELLED",
        PROJECT_BILLING_SUBSCRIPTION_CANCELLED,
    ),
    (
        "PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED",
        PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED,
    ),
    (
        "PROJECT_BILLING_SUBSCRIPTION_UPDATED",
        PROJECT_BILLING_SUBSCRIPTION_UPDATED,
    ),
    ("PROJECT_COLLABORATOR_DELETED", PROJECT_COLLABORATOR_DELETED),
    (
        "PROJECT_COLLABORATOR_INVITATION_ACCEPTED",
        PROJECT_COLLABORATOR_INVITATION_ACCEPTED,
    ),
    (
        "PROJECT_COLLABORATOR_INVITATION_CREATED",
        PROJECT_COLLABORATOR_INVITATION_CREATED,
    ),
    (
        "PROJECT_COLLABORATOR_INVITATION_DELETED",
        PROJECT_COLLABORATOR_INVITATION_DELETED,
    ),
    ("PROJECT_DOMAIN_CREATED", PROJECT_DOMAIN_CREATED),
    ("PROJECT_DOMAIN_DELETED", PROJECT_DOMAIN_DELETED),
    ("PROJECT_DOMAIN_VERIFIED", PROJECT_DOMAIN_VERIFIED),
    (
        "ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED",
        ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED",
        ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED",
        ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_USER_EXECUTED",
        ADMIN_API_MUTATION_CREATE_USER_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED",
        ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED",
        ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED",
        ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_USER_EXECUTED",
        ADMIN_API_MUTATION_DELETE_USER_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED",
        ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED",
        ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED",
        ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED",
        ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED",
        ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED",
        ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED",
        ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED",
        ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED",
        ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED",
        ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED",
        ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_USER_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_USER_EXECUTED,
    ),
    ("USER_REAUTHENTICATED", USER_REAUTHENTICATED),
    ("USER_ANONYMIZATION_SCHEDULED", USER_ANONYMIZATION_SCHEDULED),
    (
        "USER_ANONYMIZATION_UNSCHEDULED",
        USER_ANONYMIZATION_UNSCHEDULED,
    ),
    ("USER_ANONYMIZED", USER_ANONYMIZED),
    ("IDENTITY_EMAIL_VERIFIED", IDENTITY_EMAIL_VERIFIED),
    ("IDENTITY_EMAIL_UNVERIFIED", IDENTITY_EMAIL_UNVERIFIED),
    ("IDENTITY_PHONE_VERIFIED", IDENTITY_PHONE_VERIFIED),
    ("IDENTITY_PHONE_UNVERIFIED", IDENTITY_PHONE_UNVERIFIED),
    ("IDENTITY_USERNAME_VERIFIED", IDENTITY_USERNAME_VERIFIED),
    ("IDENTITY_USERNAME_UNVERIFIED", IDENTITY_USERNAME_UNVERIFIED),
    ("AUTHENTICATION_BLOCKED", AUTHENTICATION_BLOCKED),
    (
        "BOT_PROTECTION_VERIFICATION_FAILED",
        BOT_PROTECTION_VERIFICATION_FAILED,
    ),
    ("RATE_LIMIT_BLOCKED", RATE_LIMIT_BLOCKED),
    ("WHATSAPP_SENT", WHATSAPP_SENT),
    ("EMAIL_ERROR", EMAIL_ERROR),
    ("SMS_ERROR", SMS_ERROR),
    ("WHATSAPP_ERROR", WHATSAPP_ERROR),
    ("EMAIL_SUPPRESSED", EMAIL_SUPPRESSED),
    ("SMS_SUPPRESSED", SMS_SUPPRESSED),
    ("WHATSAPP_SUPPRESSED", WHATSAPP_SUPPRESSED),
    (
        "FRAUD_PROTECTION_DECISION_RECORDED",
        FRAUD_PROTECTION_DECISION_RECORDED,
    ),
    ("M2M_TOKEN_CREATED", M2M_TOKEN_CREATED),
    ("USAGE_ALERT_TRIGGERED", USAGE_ALERT_TRIGGERED),
    ("PROJECT_APP_CREATED", PROJECT_APP_CREATED),
    (
        "ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED",
        ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED",
        ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED",
        ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED",
        ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED",
        ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED",
        ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED",
        ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED",
        ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED",
        ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED",
        ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED",
        ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED",
        ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED",
        ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED",
        ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED",
        ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED",
        ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED",
        ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED",
        ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED",
        ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED",
        ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED",
        ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED",
        ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED",
        ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED",
        ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED,
    ),
    (
        "ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED",
        ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED,
    ),
    ("SITE_ADMIN_APP_PLAN_UPDATED", SITE_ADMIN_APP_PLAN_UPDATED),
    (
        "SITE_ADMIN_APP_FEATURE_CONFIG_UPDATED",
        SITE_ADMIN_APP_FEATURE_CONFIG_UPDATED,
    ),
    (
        "SITE_ADMIN_APP_COLLABORATOR_ADDED",
        SITE_ADMIN_APP_COLLABORATOR_ADDED,
    ),
    (
        "SITE_ADMIN_APP_COLLABORATOR_DELETED",
        SITE_ADMIN_APP_COLLABORATOR_DELETED,
    ),
    (
        "SITE_ADMIN_APP_COLLABORATOR_PROMOTED",
        SITE_ADMIN_APP_COLLABORATOR_PROMOTED,
    ),
];

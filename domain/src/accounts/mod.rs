//! Accounts: who may sign in and what each kind of user may do, and which passwords
//! they may choose.

pub mod password;

pub use password::{CommonPasswords, NewPasswordError};

slug_enum! {
    /// What a user account can do.
    Role, "role" {
        Supplier => "supplier", "Supplier";
        Buyer => "buyer", "Buyer";
        Admin => "admin", "Administrator";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_slugs_round_trip() {
        for &role in Role::ALL {
            assert_eq!(Role::from_slug(role.slug()), Some(role));
        }
        assert_eq!("buyer".parse::<Role>(), Ok(Role::Buyer));
    }
}

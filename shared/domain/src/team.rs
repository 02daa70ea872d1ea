//! An event's team: who organises it and who reviews its proposals. Roles hold for that event only.

use std::collections::BTreeMap;

use crate::error::CfpError;
use crate::validation::InvalidValue;

/// A user's stable id: the token's `sub`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InvalidValue::invalid(
                "must not contain whitespace or control characters",
            ));
        }
        Ok(UserId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Organiser,
    Reviewer,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "organiser" => Ok(Role::Organiser),
            "reviewer" => Ok(Role::Reviewer),
            _ => Err(InvalidValue::invalid("must be organiser or reviewer")),
        }
    }
}

/// Members of one event's team and their roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Team(BTreeMap<UserId, Role>);

impl Team {
    /// A new event's team: whoever created it organises it.
    pub fn founded_by(organiser: UserId) -> Self {
        Team(BTreeMap::from([(organiser, Role::Organiser)]))
    }

    pub fn from_members(members: impl IntoIterator<Item = (UserId, Role)>) -> Self {
        Team(members.into_iter().collect())
    }

    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        self.0.get(user).copied()
    }

    pub fn members(&self) -> impl Iterator<Item = (&UserId, Role)> {
        self.0.iter().map(|(user, role)| (user, *role))
    }

    /// The team with `user` in `role`; refused when that would leave it without an organiser.
    pub fn with_member(&self, user: UserId, role: Role) -> Result<Team, CfpError> {
        let mut team = self.clone();
        team.0.insert(user, role);
        team.ensure_organised()?;
        Ok(team)
    }

    /// The team without `user` (unchanged when not a member); refused like [`Team::with_member`].
    pub fn without_member(&self, user: &UserId) -> Result<Team, CfpError> {
        let mut team = self.clone();
        team.0.remove(user);
        team.ensure_organised()?;
        Ok(team)
    }

    fn ensure_organised(&self) -> Result<(), CfpError> {
        if self.0.values().any(|role| *role == Role::Organiser) {
            Ok(())
        } else {
            Err(CfpError::TeamConflict(
                "an event needs at least one organiser; add another organiser first",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(raw: &str) -> UserId {
        UserId::parse(raw).expect("a test user id")
    }

    #[test]
    fn the_founder_organises() {
        let team = Team::founded_by(user("alice"));
        assert_eq!(team.role_of(&user("alice")), Some(Role::Organiser));
        assert_eq!(team.role_of(&user("bob")), None);
    }

    #[test]
    fn members_come_and_go_but_an_organiser_stays() {
        let team = Team::founded_by(user("alice"));
        let team = team
            .with_member(user("bob"), Role::Reviewer)
            .expect("bob reviews");
        assert_eq!(team.role_of(&user("bob")), Some(Role::Reviewer));
        assert!(matches!(
            team.with_member(user("alice"), Role::Reviewer),
            Err(CfpError::TeamConflict(_))
        ));
        assert!(matches!(
            team.without_member(&user("alice")),
            Err(CfpError::TeamConflict(_))
        ));
        let team = team
            .with_member(user("bob"), Role::Organiser)
            .expect("bob organises");
        let team = team.without_member(&user("alice")).expect("alice leaves");
        assert_eq!(team.role_of(&user("alice")), None);
        assert_eq!(
            team.without_member(&user("nobody")).ok(),
            Some(team.clone())
        );
    }

    #[test]
    fn roles_round_trip_and_nothing_else_parses() {
        for role in [Role::Organiser, Role::Reviewer] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin").is_err());
        assert!(Role::parse("Organiser").is_err());
    }

    #[test]
    fn user_ids_are_non_empty_single_tokens() {
        assert!(UserId::parse("5f1c0e7a-1b2c-4d5e-8f90-123456789abc").is_ok());
        for bad in ["", "a b", "a\u{0}", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }
}

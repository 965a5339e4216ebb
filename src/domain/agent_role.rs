//! What an agent may do: work tickets, or also manage agents, partners and the SLA.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentRole {
    Agent,
    Admin,
}

impl AgentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentRole::Agent => "agent",
            AgentRole::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(AgentRole::Agent),
            "admin" => Some(AgentRole::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for AgentRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_reads_back_from_its_name_and_nothing_else_is_one() {
        for role in [AgentRole::Agent, AgentRole::Admin] {
            assert_eq!(AgentRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(AgentRole::parse("Admin"), None);
        assert_eq!(AgentRole::parse(""), None);
    }
}

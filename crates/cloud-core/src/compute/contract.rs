//! The portable start/stop contract, for the drivers whose API refuses a
//! change that is already done.
//!
//! Starting a node that runs (or is starting), or stopping one that is
//! stopped (or stopping), succeeds and changes nothing, on every provider:
//! a script that makes sure a node runs need not ask first. EC2 and
//! libvirt behave so themselves; CloudSigma and Nova answer such a request
//! with a conflict, which [`settle_refused_change`] turns into success once
//! the node's state shows it is already where it was asked to go.

use super::types::{Node, NodeState};
use crate::error::{Error, ErrorKind, Result};

/// The states in which a start has nothing left to do.
pub const STARTED: &[NodeState] = &[NodeState::Running, NodeState::Starting];
/// The states in which a stop has nothing left to do.
pub const STOPPED: &[NodeState] = &[NodeState::Stopped, NodeState::Stopping];

/// A provider refused a start or stop (`refusal`); `current` is the node
/// read afterwards. Success when the refusal is a conflict and the node is
/// in one of the `arrived` states; otherwise the refusal stands.
///
/// ```
/// use cloud_core::compute::{Node, NodeState, contract};
/// use cloud_core::{Error, ErrorKind};
///
/// let refused = || Error::new(ErrorKind::Conflict, "cannot start a running guest");
/// let mut node = Node::new("n1", "web", NodeState::Running);
/// assert!(contract::settle_refused_change(refused(), Ok(node.clone()), contract::STARTED).is_ok());
/// node.state = NodeState::Terminated;
/// assert!(contract::settle_refused_change(refused(), Ok(node), contract::STARTED).is_err());
/// ```
pub fn settle_refused_change(
    refusal: Error,
    current: Result<Node>,
    arrived: &[NodeState],
) -> Result<()> {
    match current {
        Ok(node) if *refusal.kind() == ErrorKind::Conflict && arrived.contains(&node.state) => {
            Ok(())
        }
        _ => Err(refusal),
    }
}

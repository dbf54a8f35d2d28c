//! Compute: nodes, sizes, images, locations, volumes, snapshots and key pairs.

pub mod contract;
mod driver;
mod handle;
mod types;

pub use driver::ComputeDriver;
pub use handle::Compute;
pub use types::{
    CreateNode, CreateVolume, EXTRA_SSH_PORT, KeyPair, Node, NodeAuth, NodeImage, NodeLocation,
    NodeSize, NodeState, SnapshotState, StorageVolume, VolumeSnapshot, VolumeState,
};

//! Model descriptions shared by both sides: which layers a score network has
//! ([`LayerKind`], [`Layers`]), the convolution stack both the trainers
//! ([`crate::experiment::ConvNet`]) and the population dynamics
//! ([`crate::theory::local::PopulationNet`]) are built on ([`ConvStack`]), and the training
//! [`Protocol`] (learning rate, start, accuracy). Descriptions only: nothing here trains,
//! samples or evaluates a closed form.

pub mod layers;
pub mod optimizer;
pub mod protocol;
pub mod score_network;
pub mod stack;

pub use layers::{support_masks, LayerKind, Layers};
pub use protocol::Protocol;
pub use score_network::NetworkSpec;
pub use stack::ConvStack;

//! The online order's machinery beside the handlers: the development registers (`local`, the
//! adapter over local tables; the interfaces and the production adapter are `crate::registers`)
//! and the worker every server runs that decides waiting orders.

pub mod import;
pub mod local;
pub mod worker;

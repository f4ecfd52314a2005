//! `/api/v1/offices`: administrators manage offices; every signed-in user may list them.

mod create;
mod get;
mod list;
mod update;
pub mod view;

pub use create::create_office;
pub use get::get_office;
pub use list::list_offices;
pub use update::update_office;

//! Server functions of the OCDS context (importing a notice, with a preview) will live
//! here, calling `backend::services::ocds`.

//! Server functions of the spend context (uploading a payments file, mapping its columns,
//! reviewing matches) will live here, calling `backend::services::spend`.

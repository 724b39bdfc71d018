//! Pages of the OCDS context. Importing another portal's notice (`/tenders/import`: upload
//! or paste, preview, import) ends in tenders, so its page sits with the other tender
//! pages in `pages::tendering::import`; its server functions are in `server_fns::ocds`, the
//! rules in `domain::ocds` and the service in `backend::services::ocds`.

//! OCDS: exporting tenders as Open Contracting Data Standard release packages and importing
//! other portals' releases (long imports run as jobs). The format's rules live in
//! `domain::ocds`.

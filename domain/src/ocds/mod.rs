//! OCDS: the Open Contracting Data Standard interchange format (releases with lots).

-- Runs once, when the PostgreSQL container creates its data folder. The service's roles (SECURITY.md TEN-04/05):
-- scim_app, to which the migrations grant exactly the DML the service needs, and the login the app connects as.
-- POSTGRES_USER (scim) owns the tables and runs the migrations; the app never connects as it.
CREATE ROLE scim_app NOLOGIN;
CREATE ROLE scim_service LOGIN PASSWORD 'scim_service' IN ROLE scim_app;

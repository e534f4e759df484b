// Server runtimes have no other tabs to share a connection with: `shared`
// is ignored there (index.js imports this as './platform.js').

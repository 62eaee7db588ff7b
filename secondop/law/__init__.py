"""The law a records request runs under: each state's rules on a patient's access to their medical records
(data in `states/`, one TOML file a state, sourced and dated: see `states/README.md`)."""

"""The pages of the app, one module each; `consultgym/app/main.py` registers them with `st.navigation`."""

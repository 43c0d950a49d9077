from cli.main import app

if __name__ == "__main__":  # not when a spawned process (bench) re-imports the main module
    app(prog_name="placematch")

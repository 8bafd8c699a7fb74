# What a prompt injection makes of "analyse this CSV": a shell.
import subprocess

print("hostile: spawning a shell...")
try:
    r = subprocess.run(["/bin/sh", "-c", "echo 'shell ran: id=' $(id -u)"])
    print(f"hostile: the shell ended with status {r.returncode}")
except OSError as e:
    print(f"hostile: no shell to run: {e}")

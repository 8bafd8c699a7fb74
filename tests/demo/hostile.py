# What a prompt injection makes of "analyse this CSV": a shell.
import subprocess

print("hostile: spawning a shell...")
r = subprocess.run(["/bin/sh", "-c", "echo 'shell ran: id=' $(id -u)"])
print(f"hostile: the shell ended with status {r.returncode}")

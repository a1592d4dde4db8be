"""The scheduling pages, one module per audience: the public directory and doctor pages
(`directory`), booking (`booking`), a patient's appointments and the pages every party
of an appointment shares (`appointments`), the doctor's portal (`portal`) and doctor
registration (`registration`). Helpers that several of them use live in `common`."""

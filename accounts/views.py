from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def register_patient(request):
    return render(request, "home.html")


def register_doctor(request):
    return render(request, "home.html")


@login_required
def profile(request):
    return render(request, "home.html")


@login_required
def dashboard(request):
    return render(request, "home.html")

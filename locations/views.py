from django.http import HttpResponse


def district_options(request):
    return HttpResponse("")


def thana_options(request):
    return HttpResponse("")

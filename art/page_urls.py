from django.urls import path

from . import views

app_name = "art"

urlpatterns = [
    path("trains/", views.my_trains, name="my_trains"),
]
